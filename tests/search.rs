//! Full-text search with diacritics folded, over every text field.

use crate::support::Env;

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn accents_are_folded_both_ways() {
    let env = Env::new();
    env.case("c");
    let a = env.json(&["note", "Amenaza en la línea de denuncia", "--case", "c"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = env.json(&[
        "note",
        "Mensaje contra el diputado",
        "--case",
        "c",
        "--author-name",
        "Gerardo Fernández Noroña",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.json(&["note", "nada que ver", "--case", "c"]);
    assert_eq!(ids(&env.json(&["search", "linea"])), [a.as_str()]);
    assert_eq!(ids(&env.json(&["search", "LÍNEA"])), [a.as_str()]);
    assert_eq!(ids(&env.json(&["search", "norona"])), [b.as_str()]);
    assert_eq!(ids(&env.json(&["search", "Noroña"])), [b.as_str()]);
    assert_eq!(
        ids(&env.json(&["search", "fernandez", "norona"])),
        [b.as_str()]
    );
    assert!(ids(&env.json(&["search", "inexistente"])).is_empty());
}

#[test]
fn every_field_is_searchable() {
    let env = Env::new();
    env.case("c");
    let item = env.json(&[
        "link",
        "https://x.com/cuenta_falsa/status/99",
        "--case",
        "c",
        "--author",
        "@cuenta_falsa",
        "--tag",
        "oleada-marzo",
        "--hashtag",
        "#SaqueoYa",
        "--text",
        "vamos a saquear la tienda",
        "--target",
        "Comercio local",
        "--reported-to",
        "Fiscalía; FGJ/123",
    ]);
    let id = item[0]["id"].as_str().unwrap().to_string();
    for q in [
        "cuenta_falsa",
        "x.com",
        "oleada",
        "saqueoya",
        "saquear",
        "comercio",
        "fiscalia",
        "FGJ",
    ] {
        assert_eq!(ids(&env.json(&["search", q])), [id.as_str()], "query {q}");
    }
}

#[test]
fn search_can_be_limited_to_a_case_and_follows_edits() {
    let env = Env::new();
    env.case("uno");
    env.case("dos");
    let a = env.json(&["note", "bot repetido", "--case", "uno"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = env.json(&["note", "bot repetido", "--case", "dos"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ids(&env.json(&["search", "repetido", "--case", "dos"])),
        [b.as_str()]
    );
    assert_eq!(ids(&env.json(&["search", "repetido"])).len(), 2);
    env.ok(&["edit", &a, "--note", "texto cambiado"]);
    assert_eq!(ids(&env.json(&["search", "repetido"])), [b.as_str()]);
    assert_eq!(ids(&env.json(&["search", "cambiado"])), [a.as_str()]);
    env.ok(&["rm", &b, "--reason", "prueba"]);
    assert!(ids(&env.json(&["search", "repetido"])).is_empty());
}

#[test]
fn list_filters() {
    let env = Env::new();
    env.case("c");
    env.ok(&[
        "note",
        "a",
        "--case",
        "c",
        "--platform",
        "X",
        "--author",
        "@Uno",
        "--category",
        "threat",
    ]);
    env.ok(&[
        "note",
        "b",
        "--case",
        "c",
        "--platform",
        "tiktok",
        "--author",
        "uno",
        "--category",
        "hate",
    ]);
    env.ok(&[
        "note",
        "c",
        "--case",
        "c",
        "--platform",
        "x",
        "--author",
        "dos",
        "--category",
        "threat",
        "--category",
        "bot",
    ]);
    assert_eq!(ids(&env.json(&["list", "--platform", "x"])).len(), 2);
    assert_eq!(ids(&env.json(&["list", "--author", "@uno"])).len(), 2);
    assert_eq!(ids(&env.json(&["list", "--category", "amenaza"])).len(), 2);
    assert_eq!(
        ids(&env.json(&["list", "--category", "bot", "--platform", "X"])).len(),
        1
    );
    assert_eq!(
        ids(&env.json(&["list", "--case", "c", "--author", "nadie"])).len(),
        0
    );
}
