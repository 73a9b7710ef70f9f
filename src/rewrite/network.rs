//! A rootful `network create` is given its range by the shim ([`crate::subnet`]): podman picks
//! one clear of its own networks and the host's interfaces, not of the host's routes, and a
//! bridge on a range the host reaches through its default route takes the host's traffic to it.
//! Rootless bridges live in the rootless network namespace and take nothing of the host's.
//!
//! The option goes right after the command words (`network create`), before the caller's own.

use std::ffi::OsString;

use super::{Action, Change, Refusal, Rewritten, Target};
use crate::policy::Flavor;
use crate::rules::Rule;

/// `argv` (the command at `at`) with the range added, when it is a rootful podman `network
/// create` that names none; a refusal when no range can be chosen (fail closed: podman's own
/// choice is the one that takes the host's traffic).
pub(super) fn subnet(
    argv: &[OsString],
    at: usize,
    target: &Target,
    pools: &[crate::subnet::Net],
) -> Option<Result<Rewritten, Refusal>> {
    if target.flavor != Flavor::Podman || target.rootless {
        return None;
    }
    let (used, ranged) = crate::commands::network_create(&argv[at..])?;
    if ranged {
        // A range of the caller's own is gated (`network create --subnet`): the policy's call.
        return None;
    }
    let chosen = match &target.network_probe {
        Some(probe) => probe(),
        None => Err("the runtime's networks cannot be asked here".into()),
    }
    .and_then(|facts| {
        crate::subnet::choose(pools, &facts).ok_or_else(|| {
            let listed: Vec<String> = pools.iter().map(ToString::to_string).collect();
            format!(
                "no /24 of [podman] network_pools ({}) is clear of podman's networks and of the host's routes, gateways, nameservers and proxies",
                listed.join(", ")
            )
        })
    });
    let net = match chosen {
        Ok(net) => net,
        Err(why) => {
            return Some(Err(Refusal {
                rule: Rule::HardenSubnet,
                message: format!("network create: the shim chooses a rootful network's range, and {why}"),
            }));
        }
    };
    let token = format!("--subnet={net}");
    let split = at + used;
    let mut args = Vec::with_capacity(argv.len() + 1);
    args.extend_from_slice(&argv[..split]);
    args.push(OsString::from(&token));
    args.extend_from_slice(&argv[split..]);
    Some(Ok(Rewritten {
        args,
        changes: vec![Change {
            rule: Rule::HardenSubnet,
            action: Action::Add,
            token,
            reason: "podman picks a range clear of its networks and the host's interfaces, not of the host's routes: a rootful bridge takes the host's traffic to every address in its range, a DNS server or proxy reached through the default route among them".into(),
        }],
        pinned: Vec::new(),
        hooks: false,
        seccomp: None,
    }))
}
