//! A Server-Sent Events parser (the `text/event-stream` format of the WHATWG HTML standard),
//! fed with whatever chunks the network delivers.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
    /// The last `id:` seen on the stream (it carries over to later events).
    pub id: Option<String>,
}

/// Incremental parser: push bytes, take the events completed so far.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    event: String,
    data: Vec<String>,
    last_id: Option<String>,
    /// A `\r` ended the previous chunk: a `\n` starting this one belongs to it.
    after_cr: bool,
    /// Longest line accepted, so that a broken server cannot make us buffer without end.
    max_line: usize,
}

/// Lines longer than this are cut to it (manifest events are ~100 bytes).
const MAX_LINE: usize = 64 * 1024;
/// Most `data:` lines kept for one event.
const MAX_DATA_LINES: usize = 256;

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self {
            max_line: MAX_LINE,
            ..Self::default()
        }
    }

    /// The id of the last event, to send as `Last-Event-ID` when reconnecting.
    pub fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Feeds `chunk`, returning the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut out);
                }
                b'\n' => self.end_line(&mut out),
                _ if self.line.len() < self.max_line => self.line.push(b),
                _ => {}
            }
        }
        out
    }

    fn end_line(&mut self, out: &mut Vec<Event>) {
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
        if line.is_empty() {
            if !self.data.is_empty() {
                out.push(Event {
                    event: if self.event.is_empty() {
                        "message".into()
                    } else {
                        std::mem::take(&mut self.event)
                    },
                    data: self.data.join("\n"),
                    id: self.last_id.clone(),
                });
            }
            self.event.clear();
            self.data.clear();
            return;
        }
        if line.starts_with(':') {
            return; // a comment: keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            // Bounded too: a broken server must not make us buffer without end.
            "data" if self.data.len() < MAX_DATA_LINES => self.data.push(value.to_owned()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_line_endings() {
        let mut p = Parser::new();
        let mut got = p.push(b": keep-alive\n\nevent: manifest\r\nid: 7\r");
        assert!(got.is_empty());
        got.extend(p.push(b"\ndata: {\"version\":\"ab\"}\r\n\r\nevent: identify\n"));
        got.extend(p.push(b"data: a\ndata: b\n\n"));
        assert_eq!(
            got,
            vec![
                Event {
                    event: "manifest".into(),
                    data: "{\"version\":\"ab\"}".into(),
                    id: Some("7".into())
                },
                Event {
                    event: "identify".into(),
                    data: "a\nb".into(),
                    id: Some("7".into())
                },
            ]
        );
        assert_eq!(p.last_id(), Some("7"));
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_and_fields_reset() {
        let mut p = Parser::new();
        assert!(p.push(b"event: reload\n\ndata: x\n\n")[0].event == "message");
    }
}
