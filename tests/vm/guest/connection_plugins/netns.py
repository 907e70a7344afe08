# The VM suite's Ansible connection to a network namespace of the guest:
# the local connection, with every command run through `ip netns exec NAME`
# (NAME: the host's ansible_host, else its inventory name). ip netns exec
# also bind-mounts each /etc/netns/NAME/ENTRY over /etc/ENTRY, so the
# namespace has its own /etc/sysctl.d, /etc/network, /etc/keepalived ... and
# the modules write there. Files are put by the local connection into
# Ansible's temporary folder (/root/.ansible/tmp, the same for all) and
# moved into place by a module running in the namespace.
from __future__ import annotations

DOCUMENTATION = """
    name: netns
    short_description: run tasks in a network namespace of this machine (ip netns exec)
    description:
        - The local connection, each command run through C(ip netns exec NAME).
    author: lvs-dr-gen VM suite
    extends_documentation_fragment:
        - connection_pipelining
"""

import shlex

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    """Local commands, each in the host's network namespace."""

    transport = "netns"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        namespace = self._play_context.remote_addr
        wrapped = "ip netns exec %s %s" % (shlex.quote(namespace), to_text(cmd))
        return super().exec_command(to_bytes(wrapped), in_data=in_data, sudoable=sudoable)
