//! What a person reads in a Slack body, for the checks on language: every `text` (text
//! objects, a message's top-level text, an ephemeral answer) and every input error of a
//! `response_action: errors`. IDs, values, URLs and metadata are not read by people and
//! are left out. The demo (in Korean) and the integration tests use it to show that a
//! Korean bot shows no English word ([`crate::i18n::english_words`]).

use serde_json::Value;

use crate::i18n::english_words;

/// The texts people read in `body` (in the JSON map's key order, not the page's).
pub fn texts_read_by_people(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect(body, &mut out);
    out
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("text", Value::String(s)) => out.push(s.clone()),
                    ("errors", Value::Object(errors)) => out.extend(
                        errors
                            .values()
                            .filter_map(|e| e.as_str().map(str::to_owned)),
                    ),
                    _ => collect(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// Every text people read in `body` that has English words in it, as
/// `where: [words] in "text"`.
pub fn english_in(place: &str, body: &Value) -> Vec<String> {
    texts_read_by_people(body)
        .into_iter()
        .filter_map(|t| {
            let words = english_words(&t);
            (!words.is_empty()).then(|| format!("{place}: {words:?} in {t:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_texts_and_errors_but_not_ids_or_values() {
        let body = json!({
            "channel": "C0APPROVE",
            "text": "보험 만료 요청 #1",
            "blocks": [
                {"type": "section", "block_id": "decide_1", "text": {"type": "mrkdwn", "text": "*라이더:* 홍*동"}},
                {"type": "actions", "elements": [
                    {"type": "button", "action_id": "approve_expiry", "value": "1",
                     "text": {"type": "plain_text", "text": "Approve"}}
                ]}
            ],
            "errors": {"rider_query": "라이더가 없습니다."}
        });
        let mut read = texts_read_by_people(&body);
        read.sort();
        let mut expected = [
            "보험 만료 요청 #1",
            "*라이더:* 홍*동",
            "Approve",
            "라이더가 없습니다.",
        ];
        expected.sort();
        assert_eq!(read, expected);
        assert_eq!(
            english_in("msg", &body),
            ["msg: [\"Approve\"] in \"Approve\""]
        );
    }
}
