# lvs-dr-gen --format json → GitHub Actions workflow commands, one
# annotation per problem on the file and line it names (and the other
# place of a problem about two values, as the text report says it):
#   lvs-dr-gen validate --format json inventory.yaml | jq -r -f github.jq
def escape: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
def property: escape | gsub(":"; "%3A") | gsub(","; "%2C");
"::\(.severity) "
+ ([ (.file // empty | "file=\(property)"),
     (.line // empty | "line=\(.)"),
     (.column // empty | "col=\(.)"),
     "title=\("lvs-dr-gen " + .code | property)" ] | join(","))
+ "::" + ((if .path then .path + ": " else "" end) + .message
          + (if .related.line then " (also at \(.related.line):\(.related.column))" else "" end)
          | escape)
