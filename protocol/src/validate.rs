//! Validation that reports every problem at once, each with the path of the field at fault.
//!
//! A manifest, layout or data set is checked as a whole before anything uses it; the officer
//! (or the server's importer) then sees a list such as
//! `playlists[matin].items[2].duration_ms: must be greater than zero`.

use std::fmt;

/// One problem found in a document: the field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path to the field, e.g. `schedule[soir].window.end`.
    pub path: String,
    /// What is wrong, in a sentence fragment a person can act on.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in one document; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// True when some problem's path equals `path` and its message contains `needle`.
    /// Tests use it to pin which field a message names.
    pub fn has(&self, path: &str, needle: &str) -> bool {
        self.0
            .iter()
            .any(|p| p.path == path && p.message.contains(needle))
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} problem{}", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// Collects problems while walking a document; `field` and `item` extend the current path.
#[derive(Debug, Default)]
pub struct Checker {
    path: Vec<String>,
    problems: Vec<Problem>,
}

impl Checker {
    /// A checker with an empty path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks `f` with `name` appended to the path.
    pub fn field(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        self.path.push(format!(".{name}"));
        f(self);
        self.path.pop();
    }

    /// Checks `f` with `[key]` appended to the path; `key` is an id or an index.
    pub fn item(&mut self, key: impl fmt::Display, f: impl FnOnce(&mut Self)) {
        self.path.push(format!("[{key}]"));
        f(self);
        self.path.pop();
    }

    /// Checks each element of a list, naming it by `key` (its id) or, when that is empty, its index.
    pub fn each<T>(
        &mut self,
        name: &str,
        list: &[T],
        key: impl Fn(&T) -> &str,
        check: impl Fn(&mut Self, &T),
    ) {
        self.field(name, |v| {
            for (i, x) in list.iter().enumerate() {
                let k = key(x);
                if k.is_empty() {
                    v.item(i, |v| check(v, x));
                } else {
                    v.item(k, |v| check(v, x));
                }
            }
        });
    }

    /// Records a problem at the current path.
    pub fn report(&mut self, message: impl Into<String>) {
        let path: String = self.path.concat();
        let path = path.strip_prefix('.').unwrap_or(&path).to_owned();
        self.problems.push(Problem {
            path,
            message: message.into(),
        });
    }

    /// Records a problem at field `name` below the current path.
    pub fn report_at(&mut self, name: &str, message: impl Into<String>) {
        let message = message.into();
        self.field(name, |v| v.report(message));
    }

    /// Records `message` at field `name` unless `ok`.
    pub fn ensure(&mut self, ok: bool, name: &str, message: impl Into<String>) {
        if !ok {
            self.report_at(name, message);
        }
    }

    /// Reports ids that are empty, malformed or repeated in `list`, at `name[id].id`.
    pub fn unique_ids<'a>(&mut self, name: &str, ids: impl IntoIterator<Item = &'a str>) {
        let mut seen = std::collections::BTreeSet::new();
        self.field(name, |v| {
            for (i, id) in ids.into_iter().enumerate() {
                if let Err(why) = crate::ids::check_id(id) {
                    v.item(i, |v| v.report_at("id", why));
                } else if !seen.insert(id) {
                    v.item(id, |v| v.report_at("id", format!("duplicate id \"{id}\"")));
                }
            }
        });
    }

    /// The problems found so far, as a result.
    pub fn finish(self) -> Result<(), Problems> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Problems(self.problems))
        }
    }
}

/// A document that can check itself.
pub trait Validate {
    /// Reports every problem of `self` into `v`, relative to its current path.
    fn validate(&self, v: &mut Checker);

    /// Checks `self` alone and returns every problem found.
    fn check(&self) -> Result<(), Problems> {
        let mut v = Checker::new();
        self.validate(&mut v);
        v.finish()
    }
}
