# lvs-dr-gen --format json → a GitLab Code Quality report (an array), which
# merge requests show on the changed lines:
#   lvs-dr-gen validate --format json inventory.yaml | jq -s -f gitlab-codequality.jq > gl-code-quality-report.json
map({
  description: ((if .path then .path + ": " else "" end) + .message
                + (if .related.line then " (also at \(.related.line):\(.related.column))" else "" end)),
  check_name: .code,
  severity: (if .severity == "error" then "major" else "minor" end),
  fingerprint: ([.code, .file, .path, .line, .message] | tostring | @base64),
  location: { path: (.file // ""), lines: { begin: (.line // 1) } }
})
