//! The shipped ICP tables hold the facts of the seed: the seven MIIT system messages word for
//! word, the MIIT sender numbers, and the roles of each filing scenario. Read straight from
//! the YAML, independently of the engine.

use serde_yaml::Value;

fn table(file: &str) -> Value {
    let path = format!("{}/rules/icp/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("YAML")
}

#[test]
fn seed_messages_are_copied_word_for_word() {
    let messages = &table("messages.yaml")["messages"];
    for (id, text) in [
        ("validation_complete", "Dear ICP user: Your text message validation is complete. This request will be submitted to the communications administration for review."),
        ("validation_complete_waiting", "Dear ICP user: Your text message validation is complete. Please wait for other personnel to complete their text message validation."),
        ("validation_failed", "Dear ICP user: Your text message validation failed. Please try again."),
        ("record_not_found_or_complete", "Dear ICP user: The record cannot be found in the validation database or the validation is already complete."),
        ("resend_success", "Dear ICP user: Your text message verification code has been resent successfully. Please check your mobile phone and complete the text message validation as soon as possible."),
        ("resend_no_pending", "Dear ICP user: You have no pending ICP filing applications that require text message validation. You do not need to resend the text message."),
        ("resend_record_not_found", "Dear ICP user: The record cannot be found in the validation database."),
    ] {
        assert_eq!(messages[id]["text"].as_str(), Some(text), "{id}");
    }
    assert_eq!(
        messages["validation_complete_waiting"]["next_step"].as_str(),
        Some("Contact the other personnel to complete the validation promptly. If the validation is not completed within 24 hours, you must restart the ICP filing process.")
    );
    assert_eq!(messages.as_mapping().map(|m| m.len()), Some(17));
}

#[test]
fn miit_senders_and_code_format() {
    let limits = &table("limits.yaml")["limits"];
    let sender =
        regex_lite::Regex::new(limits["miit_sender"]["pattern"].as_str().expect("pattern"))
            .expect("regex");
    for ok in ["12381", "106123456789012381", "106000000000012381"] {
        assert!(sender.is_match(ok), "{ok}");
    }
    for bad in [
        "1238",
        "123810",
        "10612345678912381",
        "1061234567890123812",
        "95555",
        "010612345678901238",
    ] {
        assert!(!sender.is_match(bad), "{bad}");
    }
    let code = regex_lite::Regex::new(limits["code_format"]["pattern"].as_str().expect("pattern"))
        .expect("regex");
    assert!(code.is_match("004213") && !code.is_match("12a456") && !code.is_match("1234567"));
    assert_eq!(
        limits["validation_window"]["duration"].as_str(),
        Some("24h")
    );
    assert_eq!(limits["max_failed_attempts"]["count"].as_i64(), Some(5));
    assert_eq!(limits["max_resends"]["count"].as_i64(), Some(2));
}

#[test]
fn roles_follow_the_seed_table() {
    let rows = table("roles.yaml")["rows"]
        .as_sequence()
        .expect("rows")
        .clone();
    let got: Vec<(String, String, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let req = r["required"]
                .as_sequence()
                .map(|v| {
                    v.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            (s("scenario"), s("variant"), req)
        })
        .collect();
    let both = ["entity_leader", "website_admin"];
    let want: &[(&str, &str, &[&str])] = &[
        ("first_filing", "website", &both),
        ("first_filing", "website_and_app", &["entity_leader"]),
        ("first_filing", "app", &["entity_leader"]),
        ("add_service", "website", &both),
        ("add_service", "website_and_app", &["entity_leader"]),
        ("add_service", "app", &["entity_leader"]),
        ("add_provider", "all", &both),
        ("modify", "entity", &["entity_leader"]),
        ("modify", "service", &["website_admin"]),
        ("modify", "entity_and_service", &both),
        ("cancel", "entity", &["entity_leader"]),
        ("cancel", "website", &["website_admin"]),
        ("cancel", "app", &["website_admin"]),
        ("remove_provider", "none", &[]),
    ];
    let want: Vec<(String, String, Vec<String>)> = want
        .iter()
        .map(|(s, v, r)| {
            (
                s.to_string(),
                v.to_string(),
                r.iter().map(|x| x.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(got, want);
}
