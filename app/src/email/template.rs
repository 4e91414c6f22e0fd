//! A small template language for the email bodies kept in `templates/`:
//! `{{name}}` inserts a value, `{{#name}}...{{/name}}` keeps its inside only
//! when the value is not empty. HTML templates escape every value, so a
//! member named `<script>` arrives as text.
//!
//! Templates are compiled in (`include_str!`); a placeholder without a value
//! is an error rather than an empty hole, and a test renders every template
//! to prove none has one.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template has no value for {{{{{0}}}}}")]
    Missing(String),
    #[error("template has an unclosed {{{{#{0}}}}}")]
    Unclosed(String),
    #[error("template has an unclosed placeholder")]
    Broken,
}

/// The values a template is rendered with.
#[derive(Clone, Debug, Default)]
pub struct Values(BTreeMap<&'static str, String>);

impl Values {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.0.insert(name, value.into());
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(template: &str, values: &Values, format: Format) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(TemplateError::Broken)?;
        let tag = after[..end].trim();
        rest = &after[end + 2..];
        if let Some(name) = tag.strip_prefix('#') {
            let close = format!("{{{{/{name}}}}}");
            let inner_end = rest
                .find(&close)
                .ok_or_else(|| TemplateError::Unclosed(name.to_owned()))?;
            let inner = &rest[..inner_end];
            rest = &rest[inner_end + close.len()..];
            let value = values
                .get(name)
                .ok_or_else(|| TemplateError::Missing(name.to_owned()))?;
            if !value.is_empty() {
                out.push_str(&render(inner, values, format)?);
            }
        } else {
            let value = values
                .get(tag)
                .ok_or_else(|| TemplateError::Missing(tag.to_owned()))?;
            match format {
                Format::Text => out.push_str(value),
                Format::Html => out.push_str(&escape_html(value)),
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_inserted_and_escaped_in_html_only() {
        let values = Values::new().set("name", "<b>Ada & co</b>");
        assert_eq!(
            render("Hi {{name}}!", &values, Format::Html).unwrap(),
            "Hi &lt;b&gt;Ada &amp; co&lt;/b&gt;!"
        );
        assert_eq!(
            render("Hi {{ name }}!", &values, Format::Text).unwrap(),
            "Hi <b>Ada & co</b>!"
        );
    }

    #[test]
    fn sections_show_only_with_a_value() {
        let template = "Paid.{{#note}} Note: {{note}}.{{/note}} Bye";
        let with = Values::new().set("note", "late");
        let without = Values::new().set("note", "");
        assert_eq!(
            render(template, &with, Format::Text).unwrap(),
            "Paid. Note: late. Bye"
        );
        assert_eq!(
            render(template, &without, Format::Text).unwrap(),
            "Paid. Bye"
        );
    }

    #[test]
    fn a_missing_value_or_a_broken_template_is_an_error() {
        let values = Values::new();
        assert_eq!(
            render("{{who}}", &values, Format::Text),
            Err(TemplateError::Missing("who".into()))
        );
        assert_eq!(
            render("{{#who}}x", &values, Format::Text),
            Err(TemplateError::Unclosed("who".into()))
        );
        assert_eq!(
            render("{{who", &values, Format::Text),
            Err(TemplateError::Broken)
        );
    }
}
