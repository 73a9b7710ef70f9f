//! `policy show`: the effective policy as TOML through the toml crate, profiles included, so
//! loading the output gives the same policy back.

use super::*;
use crate::units;

impl Policy {
    /// The effective policy as TOML, every key spelled out, profiles included: loading the
    /// output gives this policy back (`policy show > file` is a faithful copy).
    pub fn to_toml(&self) -> String {
        use toml::{Table, Value};
        let mut root = Table::new();
        root.insert("mode".into(), self.mode.as_str().into());
        let mut rt = Table::new();
        rt.insert("binary".into(), self.runtime.binary.clone().into());
        let flavor = self.runtime.flavor.map_or("auto", |f| f.as_str());
        rt.insert("flavor".into(), flavor.into());
        let strings = |v: &[String]| Value::Array(v.iter().map(|s| Value::from(s.clone())).collect());
        rt.insert("keep_environment".into(), strings(&self.runtime.keep_environment));
        root.insert("runtime".into(), Value::Table(rt));
        let mut ct = Table::new();
        ct.insert("allow".into(), strings(&self.commands.allow));
        ct.insert("deny".into(), strings(&self.commands.deny));
        root.insert("commands".into(), Value::Table(ct));
        rules_toml(&self.rules, &mut root);
        if let Some(p) = &self.log.path {
            let mut log = Table::new();
            log.insert("path".into(), p.to_string_lossy().into_owned().into());
            root.insert("log".into(), Value::Table(log));
        }
        let profiles: Vec<Value> = self
            .profiles
            .iter()
            .map(|p| {
                let mut t = Table::new();
                t.insert("name".into(), p.name.clone().into());
                let mut m = Table::new();
                if let Some(g) = &p.image {
                    m.insert("image".into(), g.as_str().into());
                }
                if let Some(g) = &p.container {
                    m.insert("container".into(), g.as_str().into());
                }
                if !p.labels.is_empty() {
                    let labels: Vec<Value> = p
                        .labels
                        .iter()
                        .map(|(k, v)| match v {
                            Some(v) => format!("{k}={v}").into(),
                            None => k.clone().into(),
                        })
                        .collect();
                    m.insert("labels".into(), Value::Array(labels));
                }
                t.insert("match".into(), Value::Table(m));
                if let Some(mode) = p.mode {
                    t.insert("mode".into(), mode.as_str().into());
                }
                t.insert("exempt".into(), p.exempt.into());
                rules_toml(&p.rules, &mut t);
                Value::Table(t)
            })
            .collect();
        if !profiles.is_empty() {
            root.insert("profile".into(), Value::Array(profiles));
        }
        toml::to_string(&root).unwrap_or_else(|e| format!("# cannot render the policy: {e}\n"))
    }
}

/// `[hardening]`, `[limits]`, `[deny]` and `[podman]` of a rule set, into `t`.
fn rules_toml(r: &Rules, t: &mut toml::Table) {
    use toml::{Table, Value};
    let strings = |v: &[String]| Value::Array(v.iter().map(|s| Value::from(s.clone())).collect());
    let size =
        |b: Option<u64>| -> Value { b.map_or_else(|| "off".into(), |b| units::format_bytes(b).into()) };
    let h = &r.hardening;
    let mut ht = Table::new();
    ht.insert("read_only".into(), h.read_only.into());
    ht.insert("no_new_privileges".into(), h.no_new_privileges.into());
    ht.insert("drop_capabilities".into(), strings(&h.drop_capabilities));
    ht.insert("allowed_capabilities".into(), strings(&h.allowed_capabilities));
    ht.insert("shm_size".into(), size(h.shm_size));
    ht.insert("keep_capabilities".into(), strings(&h.keep_capabilities));
    ht.insert("init".into(), h.init.into());
    ht.insert("no_healthcheck".into(), h.no_healthcheck.into());
    ht.insert("shadow_repositories".into(), h.shadow_repositories.into());
    let tmpfs: Vec<Value> = h
        .tmpfs
        .iter()
        .map(|tm| {
            let mut e = Table::new();
            e.insert("path".into(), tm.path.clone().into());
            e.insert("size".into(), size(tm.size));
            if let Some(mode) = tm.mode {
                e.insert("mode".into(), format!("{mode:o}").into());
            }
            e.insert("exec".into(), tm.exec.into());
            Value::Table(e)
        })
        .collect();
    ht.insert("tmpfs".into(), Value::Array(tmpfs));
    t.insert("hardening".into(), Value::Table(ht));
    let l = &r.limits;
    let mut lt = Table::new();
    lt.insert(
        "cpus".into(),
        l.cpus.map_or_else(|| "off".into(), |c| c.to_string().into()),
    );
    lt.insert("memory".into(), size(l.memory));
    lt.insert(
        "pids".into(),
        l.pids.map_or_else(|| "off".into(), |p| Value::Integer(p as i64)),
    );
    lt.insert("shm_size".into(), size(l.shm_size));
    lt.insert("tmpfs_size".into(), size(l.tmpfs_size));
    lt.insert("refuse_unenforced".into(), l.refuse_unenforced.into());
    lt.insert(
        "health_interval".into(),
        l.health_interval
            .map_or_else(|| "off".into(), |n| units::format_duration(n).into()),
    );
    lt.insert("log_size".into(), size(l.log_size));
    lt.insert(
        "open_files".into(),
        l.open_files
            .map_or_else(|| "off".into(), |p| Value::Integer(p as i64)),
    );
    t.insert("limits".into(), Value::Table(lt));
    let d = &r.deny;
    let mut dt = Table::new();
    for &(key, rule, _) in DENY_SWITCHES {
        dt.insert(key.into(), d.on(rule).into());
    }
    for which in DenyList::ALL {
        let defaults = which.defaults();
        let now = d.list(which);
        let added: Vec<String> = now
            .iter()
            .filter(|p| !defaults.contains(&p.as_ref()))
            .map(|p| p.to_string())
            .collect();
        let removed: Vec<String> = defaults
            .iter()
            .filter(|p| !now.iter().any(|q| q == *p))
            .map(|p| p.to_string())
            .collect();
        dt.insert(format!("add_{}", which.key()), strings(&added));
        dt.insert(format!("remove_{}", which.key()), strings(&removed));
    }
    t.insert("deny".into(), Value::Table(dt));
    let pm = &r.podman;
    let mut pt = Table::new();
    pt.insert("keep_id".into(), pm.keep_id.into());
    pt.insert(
        "keep_id_user".into(),
        format!("{}:{}", pm.keep_id_user.0, pm.keep_id_user.1).into(),
    );
    pt.insert("host_gateway".into(), pm.host_gateway.into());
    pt.insert("host_loopback".into(), pm.host_loopback.into());
    pt.insert("verify_mounts".into(), pm.verify_mounts.into());
    pt.insert(
        "host_loopback_ports".into(),
        Value::Array(
            pm.host_loopback_ports
                .iter()
                .map(|p| Value::Integer(i64::from(*p)))
                .collect(),
        ),
    );
    pt.insert("rootful_gateway".into(), pm.rootful_gateway.clone().into());
    pt.insert(
        "network_pools".into(),
        Value::Array(
            pm.network_pools
                .iter()
                .map(|n| Value::String(n.to_string()))
                .collect(),
        ),
    );
    t.insert("podman".into(), Value::Table(pt));
}
