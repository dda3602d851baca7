//! `--flag value` and bare `--switch` arguments, plus positional ones; no parser crate
//! needed for a bench tool.

use std::collections::HashMap;
use std::str::FromStr;

pub struct Args {
    flags: HashMap<String, Option<String>>,
    pub positional: Vec<String>,
}

impl Args {
    pub fn parse(argv: &[String]) -> anyhow::Result<Args> {
        let mut flags = HashMap::new();
        let mut positional = Vec::new();
        let mut i = 0;
        while i < argv.len() {
            let a = &argv[i];
            if let Some(name) = a.strip_prefix("--") {
                let value = argv.get(i + 1).filter(|v| !v.starts_with("--")).cloned();
                if value.is_some() {
                    i += 1;
                }
                flags.insert(name.to_owned(), value);
            } else {
                positional.push(a.clone());
            }
            i += 1;
        }
        Ok(Args { flags, positional })
    }

    pub fn has(&self, name: &str) -> bool {
        self.flags.contains_key(name)
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        self.flags.get(name).and_then(|v| v.as_deref())
    }

    pub fn req(&self, name: &str) -> anyhow::Result<&str> {
        self.opt(name)
            .ok_or_else(|| anyhow::anyhow!("--{name} is required"))
    }

    pub fn num<T: FromStr>(&self, name: &str, default: T) -> anyhow::Result<T> {
        match self.opt(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name} {v:?} is not a number")),
        }
    }
}
