//! The one check every piece of text a client sends passes before any
//! feature sees it (the HTTP layer runs it over form fields, query strings
//! and JSON bodies alike).
//!
//! Control characters have no place in a name, a note or a key: PostgreSQL
//! refuses a NUL in text outright (the insert fails, and the caller would see
//! a 500), and the others hide or rearrange what an admin reads before paying
//! someone. Tabs and line breaks stay allowed, since notes have lines.
//!
//! No field is longer than [`MAX_FIELD_CHARS`] either (the features keep
//! their own, tighter limits with their own messages; this one stops a
//! megabyte "name" before it reaches a query or a column), except the
//! fields that carry a whole file, bounded by the request's size.

/// The longest text one field may carry.
pub const MAX_FIELD_CHARS: usize = 10_000;

/// Fields that carry a whole file (a CSV import), bounded by the body limit.
const FILE_FIELDS: [&str; 1] = ["csv"];

/// The first character of `text` that no field accepts, if any.
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|&c| is_forbidden(c))
}

fn is_forbidden(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        // C0 controls, DEL and C1 controls.
        c if c.is_control() => true,
        // Bidirectional overrides and isolates: they make "Alice" read as
        // someone else in a list of payees ("Trojan source" spoofing).
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// The name a person knows a field by: `input[note]` is the note.
pub fn field_label(key: &str) -> &str {
    let inner = key.rsplit('[').next().unwrap_or(key);
    let inner = inner.trim_end_matches(']');
    if inner.is_empty() {
        key
    } else {
        inner
    }
}

/// `Err` with a message that names the field and the character.
pub fn check_field(key: &str, value: &str) -> Result<(), String> {
    check_named(field_label(key), key, value)
}

fn check_named(label: &str, key: &str, value: &str) -> Result<(), String> {
    let shown = || -> String {
        label
            .chars()
            .filter(|&c| !is_forbidden(c))
            .take(100)
            .collect()
    };
    let last = label.rsplit(['.', '[']).next().unwrap_or(label);
    if !FILE_FIELDS.contains(&last) && value.len() > MAX_FIELD_CHARS {
        let length = value.chars().count();
        if length > MAX_FIELD_CHARS {
            return Err(format!(
                "The field \"{}\" is too long ({length} characters; at most {MAX_FIELD_CHARS}). \
                 Shorten it and try again",
                shown()
            ));
        }
    }
    if key.len() > 200 {
        return Err(format!(
            "A field name is too long (\"{}…\"): send the form as the page does",
            shown().chars().take(40).collect::<String>()
        ));
    }
    let Some(c) = forbidden_char(key).or_else(|| forbidden_char(value)) else {
        return Ok(());
    };
    let label = shown();
    Err(format!(
        "The field \"{label}\" contains a character Paydesk does not accept (U+{:04X}, a \
         control or direction-changing character). Remove it and try again",
        c as u32
    ))
}

/// Walks a JSON document: every key and every string, named by its path.
pub fn check_json(value: &serde_json::Value) -> Result<(), String> {
    fn walk(path: &mut String, value: &serde_json::Value) -> Result<(), String> {
        match value {
            serde_json::Value::String(text) => check_named(path, "", text),
            serde_json::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{index}]"));
                    walk(path, item)?;
                    path.truncate(len);
                }
                Ok(())
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    check_named(path, key, "")?;
                    walk(path, item)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(&mut String::new(), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_passes_and_control_characters_do_not() {
        assert_eq!(forbidden_char("Zoë O'Neill, 12 €\nline two\tend"), None);
        assert_eq!(forbidden_char("محمد"), None);
        assert_eq!(forbidden_char("a\0b"), Some('\0'));
        assert_eq!(forbidden_char("a\u{7f}"), Some('\u{7f}'));
        assert_eq!(forbidden_char("a\u{85}"), Some('\u{85}'));
        assert_eq!(forbidden_char("\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(forbidden_char("evil\u{202E}gpj.exe"), Some('\u{202E}'));
    }

    #[test]
    fn messages_name_the_field_people_see() {
        let err = check_field("input[note]", "x\0").unwrap_err();
        assert!(err.contains("\"note\""), "{err}");
        assert!(err.contains("U+0000"), "{err}");
        assert!(check_field("note", "fine").is_ok());
        assert!(check_field("no\0te", "fine").is_err());
    }

    #[test]
    fn a_field_longer_than_the_limit_is_refused_by_name_unless_it_carries_a_file() {
        let long = "é".repeat(MAX_FIELD_CHARS + 1);
        let err = check_field("note", &long).unwrap_err();
        assert!(
            err.contains("\"note\" is too long") && err.contains("10001"),
            "{err}"
        );
        // Bytes are not characters: 10,000 two-byte letters are fine.
        assert!(check_field("note", &"é".repeat(MAX_FIELD_CHARS)).is_ok());
        assert!(check_field("csv", &long).is_ok());
        let doc = serde_json::json!({"query": {"q": long.clone()}, "csv": long});
        let err = check_json(&doc).unwrap_err();
        assert!(err.contains("query.q"), "{err}");
        assert!(check_field(&"k".repeat(201), "v").is_err());
    }

    #[test]
    fn json_documents_are_walked_to_the_bad_string() {
        let doc = serde_json::json!({"items": [{"note": "ok"}, {"note": "bad\u{0}"}], "n": 3});
        let err = check_json(&doc).unwrap_err();
        assert!(err.contains("items[1].note"), "{err}");
        assert!(check_json(&serde_json::json!({"a": ["b", 1, null, {"c": true}]})).is_ok());
    }
}
