//! The analysis end to end on generated data: a planted campaign among
//! organic chatter and a popular quote (the decoy), in memory.

use std::sync::atomic::AtomicBool;

use super::*;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "hoy",
    "ayer",
    "calle",
    "lluvia",
    "partido",
    "gobierno",
    "escuela",
    "tráfico",
    "café",
    "noticia",
    "mercado",
    "precio",
    "trabajo",
    "familia",
    "fiesta",
    "música",
    "película",
    "libro",
    "ciudad",
    "barrio",
    "tienda",
    "camión",
    "metro",
    "sol",
    "frío",
    "calor",
    "amigos",
    "perro",
    "gato",
    "casa",
];

fn post(id: String, account: String, time: i64, text: String) -> InputPost {
    InputPost {
        id,
        handle: account.clone(),
        account_id: account,
        platform: Some("x".into()),
        time,
        text,
        ..InputPost::default()
    }
}

/// 23 accounts post 4 variants of a text within 41 seconds, 3 times (a
/// day apart); 1,000 people post a popular quote over 3 days; 2,000
/// people chatter.
fn data() -> (Vec<InputPost>, Vec<String>) {
    let mut rng = Rng(7);
    let start = 1_700_000_000i64;
    let mut posts = Vec::new();
    let variants = [
        "Todos a la plaza de Puebla a las 5, que no quede nada en las tiendas #Saqueo",
        "todos a la plaza de puebla a las 5 que no quede nada en las tiendas #Saqueo 🔥",
        "Todos a la plaza de Puebla a las 6, que no quede nada en las tiendas #Saqueo",
        "@vecino todos a la plaza de Puebla a las 5, que no quede nada en las tiendas #saqueo #Puebla",
    ];
    let bots: Vec<String> = (0..23).map(|i| format!("bot{i:02}")).collect();
    for round in 0..3 {
        let t0 = start + 3600 * 5 + round * 86_400;
        for (i, b) in bots.iter().enumerate() {
            let t = t0 + rng.below(42) as i64;
            posts.push(post(
                format!("c{round}-{i}"),
                b.clone(),
                t,
                variants[i % 4].to_string(),
            ));
        }
    }
    for i in 0..1000 {
        let t = start + rng.below(3 * 86_400) as i64;
        posts.push(post(
            format!("q{i}"),
            format!("fan{i}"),
            t,
            "La vida es aquello que te va sucediendo mientras te empeñas en hacer otros planes"
                .into(),
        ));
    }
    for i in 0..5000 {
        let t = start + rng.below(3 * 86_400) as i64;
        let n = 5 + rng.below(10) as usize;
        let text: Vec<&str> = (0..n)
            .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
            .collect();
        posts.push(post(
            format!("o{i}"),
            format!("persona{}", rng.below(2000)),
            t,
            text.join(" "),
        ));
    }
    posts.sort_by(|a, b| a.time.cmp(&b.time).then(a.id.cmp(&b.id)));
    (posts, bots)
}

fn run(posts: &[InputPost], window: Window) -> Analysis {
    let never = AtomicBool::new(false);
    let mut source = |f: &mut dyn FnMut(&InputPost) -> Result<()>| {
        for p in posts {
            f(p)?;
        }
        Ok(())
    };
    analyze(&mut source, posts.len() as u64, window, &mut |_| {}, &never).expect("analysis")
}

#[test]
fn the_planted_campaign_is_found_and_the_popular_quote_is_not() {
    let (posts, bots) = data();
    for window in [Window::OneMinute, Window::TenMinutes, Window::OneHour] {
        let a = run(&posts, window);
        let with_bots: Vec<&Campaign> = a
            .campaigns
            .iter()
            .filter(|c| c.accounts.iter().any(|x| x.id.starts_with("bot")))
            .collect();
        assert_eq!(
            with_bots.len(),
            1,
            "{window:?}: {:#?}",
            a.campaigns.iter().map(|c| &c.reason).collect::<Vec<_>>()
        );
        let c = with_bots[0];
        let mut ids: Vec<&str> = c.accounts.iter().map(|x| x.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            bots.iter().map(String::as_str).collect::<Vec<_>>(),
            "{window:?}"
        );
        assert_eq!(c.posts.len(), 69);
        assert!(c.reason.starts_with("23 accounts posted"), "{}", c.reason);
        assert!(c.reason.contains("3 times"), "{}", c.reason);
        assert!(
            c.reason_es.starts_with("23 cuentas publicaron"),
            "{}",
            c.reason_es
        );
        assert!(c.behaviours.contains(&Behaviour::CoPost));
        assert!(c.locations.iter().any(|l| l.name == "Puebla"));
        assert!(c.hashtags.iter().any(|h| h.name == "saqueo"));
        let decoys = a
            .campaigns
            .iter()
            .flat_map(|c| &c.accounts)
            .filter(|x| x.id.starts_with("fan") || x.id.starts_with("persona"))
            .count();
        assert_eq!(
            decoys,
            0,
            "{window:?}: {:#?}",
            a.campaigns.iter().map(|c| &c.reason).collect::<Vec<_>>()
        );
        // Every account in a campaign has its signals, each explained.
        assert_eq!(a.accounts.len(), 23);
        assert!(
            a.accounts
                .iter()
                .all(|s| s.signals.iter().any(|x| x.name == "campaigns"))
        );
        assert!(!a.edges.is_empty());
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let (posts, _) = data();
    let a =
        export::render(&run(&posts, Window::OneMinute), export::ExportFormat::Json).expect("json");
    let b =
        export::render(&run(&posts, Window::OneMinute), export::ExportFormat::Json).expect("json");
    assert_eq!(a, b);
    for f in [export::ExportFormat::Csv, export::ExportFormat::Graphml] {
        let x = export::render(&run(&posts, Window::OneMinute), f).expect("render");
        let y = export::render(&run(&posts, Window::OneMinute), f).expect("render");
        assert_eq!(x, y);
    }
}

#[test]
fn the_window_can_be_estimated_from_the_data() {
    let (posts, _) = data();
    let a = run(&posts, Window::Auto);
    assert_eq!(a.parameters.window_mode, Window::Auto);
    assert!(a.parameters.window_estimated.is_some());
    let (lo, hi) = AUTO_WINDOW_RANGE;
    assert!((lo..=hi).contains(&a.parameters.window));
}

#[test]
fn co_post_pairs_hold_every_pair_posting_the_same_text_within_the_window() {
    let posts = vec![
        post("1".into(), "a".into(), 0, "hola a todos".into()),
        post("2".into(), "b".into(), 30, "Hola a todos!".into()),
        post("3".into(), "c".into(), 200, "hola a todos".into()),
        post("4".into(), "d".into(), 230, "otra cosa distinta".into()),
    ];
    let mut source = |f: &mut dyn FnMut(&InputPost) -> Result<()>| {
        for p in &posts {
            f(p)?;
        }
        Ok(())
    };
    let pairs = co_post_pairs(&mut source, 60).expect("pairs");
    let names: Vec<(&str, &str)> = pairs.iter().map(|e| (e.a.as_str(), e.b.as_str())).collect();
    assert_eq!(names, [("a", "b")]);
}
