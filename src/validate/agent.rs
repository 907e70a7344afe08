//! `vip_agent`: the VIP-aware health agent's port, checked against the
//! ports the real servers already serve. The agent listens on each real
//! server's own addresses; a service that balances (or checks) the same
//! TCP port listens there too, most often on every address, so the two
//! could not both bind it.

use crate::code::Code;
use crate::inventory::VipAgent;
use crate::values::Protocol;
use crate::yaml::InventoryPath;

use super::model::Service;
use super::problems::Problems;

/// The agent's port, or `None` without `vip_agent`; a port that a service
/// balances over TCP, or that a service's health check connects to, is a
/// problem.
pub(super) fn validate_agent(
    agent: Option<&VipAgent>,
    services: &[Service],
    problems: &mut Problems,
) -> Option<u16> {
    let port = u16::try_from(agent?.port.get()).ok()?;
    for service in services {
        let balanced = service
            .ports
            .iter()
            .any(|spec| spec.protocol() == Protocol::Tcp && spec.port() == port);
        let checked = service
            .health_check
            .as_ref()
            .and_then(|check| check.port)
            .is_some_and(|checked| checked == u32::from(port));
        if balanced || checked {
            let what = if balanced {
                "balances"
            } else {
                "health-checks"
            };
            problems.add(
                Code::VipAgentPortTaken,
                InventoryPath::at("vip_agent").key("port"),
                format!(
                    "the agent's port {port} is a port service `{}` {what} over TCP on its real \
                     servers, where the agent listens too: choose another port for \
                     `vip_agent.port` (9180, say)",
                    service.name
                ),
            );
        }
    }
    Some(port)
}
