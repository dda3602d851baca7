//! Rendering what Slack was asked to show as plain text, for the demo's transcript.
//!
//! Works on the JSON the bot actually sent (or answered with), so the transcript shows
//! exactly what a person would have seen — masked values included, character for
//! character. Only Slack's own markup is resolved: `<@U…>` becomes the person's name,
//! `<#C…>` the channel's, links their label, the HTML entities Slack requires are
//! decoded, and a few emoji codes are drawn. Nothing else is touched; in particular `*`
//! is left alone, because masked values are made of it.

use std::collections::HashMap;

use serde_json::Value;

/// Display names for the IDs that appear in messages.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub users: HashMap<String, String>,
    pub channels: HashMap<String, String>,
}

impl Names {
    pub fn user(&self, id: &str) -> String {
        self.users.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    pub fn channel(&self, id: &str) -> String {
        self.channels
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    /// Resolves Slack's markup in one piece of message text.
    pub fn text(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = matching_close(after) else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let inner = &after[..close];
            let (target, label) = match inner.split_once('|') {
                Some((t, l)) => (t, Some(l)),
                None => (inner, None),
            };
            let shown = if let Some(id) = target.strip_prefix('@') {
                format!("@{}", self.user(id))
            } else if let Some(id) = target.strip_prefix('#') {
                format!("#{}", self.channel(id))
            } else if let Some(l) = label {
                // A link: the label, then where it goes, the way a reader would follow it.
                format!("{} [{}]", self.text(l), target)
            } else {
                target.to_owned()
            };
            out.push_str(&shown);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        emoji(&decode(&out))
    }
}

/// The index of the `>` closing a `<` whose contents start `after`, skipping nested pairs
/// (a link label may hold a channel mention: `<url|in <#C1>>`).
fn matching_close(after: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 0 => return Some(i),
            '>' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn emoji(s: &str) -> String {
    s.replace(":white_check_mark:", "✅")
        .replace(":x:", "❌")
        .replace(":hourglass:", "⌛")
        .replace(":warning:", "⚠️")
        .replace(":information_source:", "ℹ️")
        .replace(":ballot_box_with_check:", "☑️")
        .replace(":alarm_clock:", "⏰")
        .replace(":leftwards_arrow_with_hook:", "↩️")
}

fn text_of(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_owned()
}

/// One Block Kit block as lines of text.
fn block(names: &Names, b: &Value, out: &mut Vec<String>) {
    match b["type"].as_str().unwrap_or_default() {
        "section" => {
            for line in names.text(&text_of(&b["text"])).lines() {
                out.push(line.to_owned());
            }
        }
        "context" => {
            for e in b["elements"].as_array().into_iter().flatten() {
                for line in names.text(&text_of(e)).lines() {
                    out.push(format!("  {line}"));
                }
            }
        }
        "input" => {
            out.push(format!("{}:", text_of(&b["label"])));
            element(names, &b["element"], out);
            if b["hint"].is_object() {
                out.push(format!("    ({})", text_of(&b["hint"])));
            }
        }
        "actions" => {
            let buttons: Vec<String> = b["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| format!("[ {} ]", text_of(&e["text"])))
                .collect();
            out.push(buttons.join("  "));
        }
        "divider" => out.push("─".repeat(20)),
        other => out.push(format!("({other} block)")),
    }
}

fn element(names: &Names, e: &Value, out: &mut Vec<String>) {
    match e["type"].as_str().unwrap_or_default() {
        "plain_text_input" => match e["initial_value"].as_str() {
            Some(v) => out.push(format!("    [ {v} ]")),
            None => out.push(format!(
                "    [ {} ]",
                e["placeholder"]["text"].as_str().unwrap_or("")
            )),
        },
        "datetimepicker" => out.push("    [ date ▾ ] [ time ▾ ]".to_owned()),
        "radio_buttons" | "static_select" => {
            for o in e["options"].as_array().into_iter().flatten() {
                out.push(format!("    ( ) {}", names.text(&text_of(&o["text"]))));
                if o["description"].is_object() {
                    out.push(format!(
                        "        {}",
                        names.text(&text_of(&o["description"]))
                    ));
                }
            }
        }
        other => out.push(format!("    ({other})")),
    }
}

/// A modal view as a box of text lines.
pub fn view(names: &Names, v: &Value) -> Vec<String> {
    let mut body = Vec::new();
    for b in v["blocks"].as_array().into_iter().flatten() {
        block(names, b, &mut body);
    }
    let mut buttons = Vec::new();
    if v["close"].is_object() {
        buttons.push(format!("[ {} ]", text_of(&v["close"])));
    }
    if v["submit"].is_object() {
        buttons.push(format!("[ {} ]", text_of(&v["submit"])));
    }
    if !buttons.is_empty() {
        body.push(buttons.join("  "));
    }
    framed(&format!("modal “{}”", text_of(&v["title"])), body)
}

/// A Home tab view (`views.publish`), as a box of text lines; the view may come as JSON text.
pub fn home(names: &Names, v: &Value) -> Vec<String> {
    let parsed;
    let v = match v {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).unwrap_or_default();
            &parsed
        }
        v => v,
    };
    let mut body = Vec::new();
    for b in v["blocks"].as_array().into_iter().flatten() {
        block(names, b, &mut body);
    }
    framed("Home tab", body)
}

/// A message (its blocks, or its text when it has none) as a box of text lines.
pub fn message(names: &Names, title: &str, m: &Value) -> Vec<String> {
    let mut body = Vec::new();
    match m["blocks"].as_array() {
        Some(blocks) if !blocks.is_empty() => {
            for b in blocks {
                block(names, b, &mut body);
            }
        }
        _ => {
            for line in names.text(m["text"].as_str().unwrap_or_default()).lines() {
                body.push(line.to_owned());
            }
        }
    }
    framed(title, body)
}

/// The confirmation dialog Slack shows before a button's action is sent.
pub fn confirm_dialog(names: &Names, message: &Value, action_id: &str) -> Option<Vec<String>> {
    let button = message["blocks"]
        .as_array()?
        .iter()
        .flat_map(|b| b["elements"].as_array().into_iter().flatten())
        .find(|e| e["action_id"] == action_id)?;
    let c = &button["confirm"];
    if !c.is_object() {
        return None;
    }
    let mut body: Vec<String> = names
        .text(&text_of(&c["text"]))
        .lines()
        .map(str::to_owned)
        .collect();
    body.push(format!(
        "[ {} ]  [ {} ]",
        text_of(&c["deny"]),
        text_of(&c["confirm"])
    ));
    Some(framed(&format!("dialog “{}”", text_of(&c["title"])), body))
}

fn framed(title: &str, body: Vec<String>) -> Vec<String> {
    let mut out = vec![format!("┌─ {title}")];
    out.extend(body.into_iter().map(|l| format!("│ {l}")));
    out.push("└─".to_owned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_resolved_and_masks_are_kept() {
        let mut names = Names::default();
        names.users.insert("U1".into(), "Minseo".into());
        names.channels.insert("C1".into(), "approvals".into());
        assert_eq!(
            names.text(
                ":white_check_mark: Approved by <@U1> in <#C1>: policy *******5001 &lt;!channel&gt;"
            ),
            "✅ Approved by @Minseo in #approvals: policy *******5001 <!channel>"
        );
        assert_eq!(
            names.text("posted <https://x/p1|in <#C1>>"),
            "posted in #approvals [https://x/p1]"
        );
    }
}
