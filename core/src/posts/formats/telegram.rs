//! A Telegram Desktop JSON export (`result.json`): one JSON document whose
//! `messages` array can hold millions of messages. It is read as a stream,
//! one message at a time, never whole; the line reported for a message is
//! the line where it starts.

use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Guard, MAX_RECORD, NewPost, Row, RowError, finish, parse_when, too_large, unreadable};
use crate::error::{Error, Result};

struct State<'a> {
    on_row: &'a mut dyn FnMut(Row) -> Result<()>,
    marks: std::rc::Rc<super::Marks>,
    /// An error from `on_row`, which stops the reading.
    stopped: Option<Error>,
    messages: bool,
}

pub(super) fn read(
    guard: Guard<impl Read>,
    on_row: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    let marks = guard.marks();
    let mut state = State {
        on_row,
        marks: marks.clone(),
        stopped: None,
        messages: false,
    };
    let mut de = serde_json::Deserializer::from_reader(guard);
    let result = (&mut de).deserialize_map(Top(&mut state));
    if let Some(e) = state.stopped {
        return Err(e);
    }
    match result {
        Err(_) if marks.since.get() > MAX_RECORD => Err(too_large(
            marks.first_line.get().unwrap_or(marks.lines.get() + 1),
        )),
        Err(e) => Err(unreadable(e)),
        Ok(()) if !state.messages => Err(Error::invalid(
            "this JSON has no `messages`: export the chat from Telegram Desktop as JSON (Export chat history, format JSON) and give its result.json",
            "este JSON no tiene `messages`: exporta el chat desde Telegram Desktop en JSON (Exportar historial del chat, formato JSON) e indica su result.json",
        )),
        Ok(()) => Ok(()),
    }
}

struct Top<'s, 'a>(&'s mut State<'a>);

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Telegram export object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "messages" {
                self.0.messages = true;
                map.next_value_seed(Messages(&mut *self.0))?;
            } else {
                self.0.marks.reset();
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Messages<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Messages<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Messages<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        loop {
            self.0.marks.reset();
            let Some(v) = seq.next_element::<Value>()? else {
                return Ok(());
            };
            let line = self.0.marks.first_line.get().unwrap_or(1);
            if let Some(row) = message(line, &v)
                && let Err(e) = (self.0.on_row)(row)
            {
                self.0.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                other => other
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect(),
        _ => String::new(),
    }
}

fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A message as a post; `None` for service messages (joins, pins), which are not posts.
fn message(line: u64, m: &Value) -> Option<Row> {
    if m.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "message")
    {
        return None;
    }
    let Some(posted_at) = m
        .get("date_unixtime")
        .and_then(Value::as_str)
        .and_then(parse_when)
        .or_else(|| m.get("date").and_then(Value::as_str).and_then(parse_when))
    else {
        return Some(Err(RowError::new(
            line,
            "the message has no date that can be read; it is skipped",
            "el mensaje no tiene una fecha legible; se omite",
        )));
    };
    let entities = m.get("text_entities").and_then(Value::as_array);
    let of_type = |kinds: &[&str], field: &str| -> Vec<String> {
        entities
            .map(|e| {
                e.iter()
                    .filter(|x| {
                        x.get("type")
                            .and_then(Value::as_str)
                            .is_some_and(|t| kinds.contains(&t))
                    })
                    .filter_map(|x| x.get(field).and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut links = of_type(&["link"], "text");
    links.extend(of_type(&["text_link"], "href"));
    let user_id = id_of(m.get("from_id"));
    let handle = m
        .get("from")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| user_id.clone())
        .unwrap_or_default();
    Some(finish(
        line,
        NewPost {
            message_id: id_of(m.get("id")).unwrap_or_default(),
            platform: Some("telegram".into()),
            user_id,
            author_name: m.get("from").and_then(Value::as_str).map(str::to_string),
            handle,
            posted_at,
            text: text_of(m.get("text")),
            reply_to: id_of(m.get("reply_to_message_id")),
            repost_of: m
                .get("forwarded_from")
                .and_then(Value::as_str)
                .map(str::to_string),
            hashtags: of_type(&["hashtag"], "text"),
            links,
            ..NewPost::default()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{Format, read};

    #[test]
    fn messages_are_streamed_with_their_lines_and_service_messages_left_out() {
        let export = r##"{
 "name": "Canal",
 "type": "public_channel",
 "id": 123,
 "messages": [
  {
   "id": 1,
   "type": "service",
   "date": "2024-01-01T00:00:00",
   "action": "create_channel"
  },
  {
   "id": 2,
   "type": "message",
   "date": "2024-01-01T12:00:00",
   "date_unixtime": "1704110400",
   "from": "Canal",
   "from_id": "channel123",
   "forwarded_from": "Otro canal",
   "text": ["Todos a ", {"type": "hashtag", "text": "#Saqueo"}, " ", {"type": "link", "text": "https://example.com/x"}],
   "text_entities": [{"type": "plain", "text": "Todos a "}, {"type": "hashtag", "text": "#Saqueo"}, {"type": "link", "text": "https://example.com/x"}]
  },
  {
   "id": 3,
   "type": "message",
   "date": "nunca",
   "text": "sin fecha"
  },
  {"id": 4, "type": "message", "date_unixtime": "1704110460", "from": null, "from_id": "user9", "text": "", "photo": "photos/a.jpg"}
 ]
}"##;
        let mut rows = Vec::new();
        read(Format::Telegram, export.as_bytes(), &mut |r| {
            rows.push(r);
            Ok(())
        })
        .expect("readable");
        assert_eq!(rows.len(), 3);
        let p = rows[0].as_ref().expect("message 2");
        assert_eq!(p.message_id, "2");
        assert_eq!(p.posted_at, 1_704_110_400);
        assert_eq!(p.text, "Todos a #Saqueo https://example.com/x");
        assert_eq!(p.hashtags, ["#Saqueo"]);
        assert_eq!(p.links, ["https://example.com/x"]);
        assert_eq!(p.repost_of.as_deref(), Some("Otro canal"));
        let e = rows[1].as_ref().expect_err("no date");
        assert_eq!(e.line, 23);
        let photo = rows[2].as_ref().expect_err("no text");
        assert_eq!(photo.line, 29);
    }

    #[test]
    fn json_that_is_not_an_export_is_refused() {
        let e = read(Format::Telegram, r#"{"name": "x"}"#.as_bytes(), &mut |_| {
            Ok(())
        })
        .expect_err("no messages");
        assert!(e.to_string().contains("messages"), "{e}");
        let e =
            read(Format::Telegram, b"[1,2".as_slice(), &mut |_| Ok(())).expect_err("not an object");
        assert!(e.to_string().contains("cannot be read"), "{e}");
    }
}
