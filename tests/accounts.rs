//! Accounts: every item by a handle on a platform is reachable from it.

use crate::support::Env;

#[test]
fn items_group_by_platform_and_handle() {
    let env = Env::new();
    env.case("c");
    env.case("otro");
    let mut x_ids = Vec::new();
    for (author, posted) in [
        ("@Bot_1", "2024-03-01T10:00:00Z"),
        ("bot_1", "2024-03-05T10:00:00Z"),
        ("@BOT_1", "2024-03-03T10:00:00Z"),
    ] {
        let v = env.json(&[
            "note",
            "spam",
            "--case",
            "c",
            "--platform",
            "X",
            "--author",
            author,
            "--author-name",
            "Patriota 1",
            "--posted-at",
            posted,
        ]);
        x_ids.push(v["id"].as_str().unwrap().to_string());
    }
    env.ok(&[
        "note",
        "otra red",
        "--case",
        "c",
        "--platform",
        "TikTok",
        "--author",
        "bot_1",
    ]);
    env.ok(&[
        "note",
        "otro caso",
        "--case",
        "otro",
        "--platform",
        "X",
        "--author",
        "bot_1",
    ]);
    env.ok(&["note", "sin autor", "--case", "c"]);

    let all = env.json(&["accounts"]);
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let x = &all[0];
    assert_eq!(x["handle"], "Bot_1");
    assert_eq!(x["platform"], "X");
    assert_eq!(x["item_count"], 4);
    assert_eq!(x["display_names"], serde_json::json!(["Patriota 1"]));

    let in_case = env.json(&["accounts", "--case", "c"]);
    let x = in_case
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["platform"] == "X")
        .unwrap();
    assert_eq!(x["item_count"], 3);
    assert_eq!(x["first_seen"], "2024-03-01T10:00:00Z");
    assert_eq!(x["last_seen"], "2024-03-05T10:00:00Z");
    let expected = [x_ids[0].clone(), x_ids[2].clone(), x_ids[1].clone()];
    assert_eq!(
        x["items"],
        serde_json::json!(expected),
        "oldest first by posted time"
    );
}
