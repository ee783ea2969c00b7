//! From kept episodes to campaigns, pure: episodes sharing at least two
//! accounts are one campaign (one shared account is not enough: anyone can
//! copy a popular post once), described by its accounts, posts, texts and
//! their variants, hashtags, links, federal entities, a strength score and
//! a sentence in English and Spanish saying why it was found.
//!
//! The strength (0 to 100) adds four parts, each capped: how unlikely its
//! most unusual episode is by coincidence (35 points at 10^-30), how many
//! accounts (30 points at 100), how often the same group acted again (20
//! points at 5 episodes), and how many kinds of thing they did together
//! (15 points at 3 behaviours).
//!
//! Main types: [`Campaign`] and what it holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Behaviour;
use std::rc::Rc;

use super::detect::{AccountInfo, Burst};
use super::text::hash64;

/// An account as the results name it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    /// The source's user id, or the handle where the source has none.
    pub id: String,
    /// Handle, without `@`.
    pub handle: String,
    /// Platform, where known.
    pub platform: Option<String>,
}

/// A post as the results name it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRef {
    /// The source's message id, or the item id of a vault item.
    pub id: String,
    /// A vault item (true) or an imported post.
    pub item: bool,
    /// The account's id (as in [`AccountRef::id`]).
    pub account: String,
    /// When it was posted.
    pub at: DateTime<Utc>,
    /// Its text, as posted.
    pub text: String,
    /// Behaviours it took part in.
    pub behaviours: Vec<Behaviour>,
}

/// One text of a campaign, with how many near-identical variants it had.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignText {
    /// The most posted variant, as posted.
    pub text: String,
    /// Every variant, as first posted, most posted first.
    pub variants: Vec<String>,
    /// Posts of this text, all variants.
    pub posts: u32,
}

/// A thing counted in a campaign: a hashtag, link or federal entity.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    /// What.
    pub name: String,
    /// In how many of the campaign's posts.
    pub posts: u32,
}

/// One episode of a campaign: a behaviour, in one window.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// What the accounts did together.
    pub behaviour: Behaviour,
    /// What they shared (text, link, hashtag or post).
    pub key: String,
    /// Distinct accounts.
    pub accounts: u32,
    /// Posts.
    pub posts: u32,
    /// First post.
    pub start: DateTime<Utc>,
    /// Last post.
    pub end: DateTime<Utc>,
    /// log10 of the chance of it by coincidence.
    pub log10_p: f64,
    /// Posts of the same thing outside its busiest window.
    pub outside: u64,
}

/// A campaign: accounts that acted together, with the evidence.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// A stable id: the same posts give the same id.
    pub id: String,
    /// Its accounts, in the order they first posted in it.
    pub accounts: Vec<AccountRef>,
    /// Its posts' ids (the source's message ids, or item ids for vault items), by time.
    pub posts: Vec<String>,
    /// Its posts, by time, with who posted what when.
    pub timeline: Vec<PostRef>,
    /// First post.
    pub start: DateTime<Utc>,
    /// Last post.
    pub end: DateTime<Utc>,
    /// When the busiest window began.
    pub peak_at: DateTime<Utc>,
    /// Distinct accounts in the busiest window.
    pub peak_accounts: u32,
    /// 0 to 100.
    pub strength: u32,
    /// Why it was found, in English.
    pub reason: String,
    /// Why it was found, in Spanish.
    pub reason_es: String,
    /// The behaviours seen.
    pub behaviours: Vec<Behaviour>,
    /// The texts posted together.
    pub texts: Vec<CampaignText>,
    /// Hashtags, most used first.
    pub hashtags: Vec<Counted>,
    /// Links shared together, most shared first.
    pub links: Vec<Counted>,
    /// Mexican federal entities named by its posts or filed on its items.
    pub locations: Vec<Counted>,
    /// The episodes it is made of.
    pub episodes: Vec<Episode>,
}

fn time(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut x = x;
        while self.0[x] != r {
            let next = self.0[x];
            self.0[x] = r;
            x = next;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// Groups kept episodes into campaigns, strongest first.
pub fn campaigns(bursts: &[Burst]) -> Vec<Campaign> {
    let mut order: Vec<usize> = (0..bursts.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&bursts[a], &bursts[b]);
        (x.start, x.behaviour, &x.key).cmp(&(y.start, y.behaviour, &y.key))
    });
    let mut by_account: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (pos, &b) in order.iter().enumerate() {
        for a in &bursts[b].accounts {
            by_account.entry(*a).or_default().push(pos);
        }
    }
    let mut shared: HashMap<(usize, usize), u32> = HashMap::new();
    for list in by_account.values() {
        for (i, &x) in list.iter().enumerate() {
            for &y in &list[i + 1..] {
                *shared.entry((x, y)).or_default() += 1;
            }
        }
    }
    // Episodes of shared hashtags do not join campaigns together: many
    // unrelated groups use the same hashtag at once. Each joins the
    // campaign it shares the most accounts with (at least two), or stands
    // alone.
    let is_tag = |pos: usize| bursts[order[pos]].behaviour == Behaviour::CoHashtag;
    let mut dsu = Dsu((0..order.len()).collect());
    let mut pairs: Vec<((usize, usize), u32)> =
        shared.into_iter().filter(|(_, n)| *n >= 2).collect();
    pairs.sort_unstable();
    for &((x, y), _) in &pairs {
        if !is_tag(x) && !is_tag(y) {
            dsu.union(x, y);
        }
    }
    let mut best: BTreeMap<usize, (u32, usize)> = BTreeMap::new();
    for &((x, y), n) in &pairs {
        let (tag, other) = match (is_tag(x), is_tag(y)) {
            (true, false) => (x, y),
            (false, true) => (y, x),
            _ => continue,
        };
        let root = dsu.find(other);
        let e = best.entry(tag).or_insert((0, root));
        if n > e.0 || (n == e.0 && root < e.1) {
            *e = (n, root);
        }
    }
    for (tag, (_, root)) in best {
        dsu.union(tag, root);
    }
    let mut groups: BTreeMap<usize, Vec<&Burst>> = BTreeMap::new();
    for (pos, &b) in order.iter().enumerate() {
        groups.entry(dsu.find(pos)).or_default().push(&bursts[b]);
    }
    let mut out: Vec<Campaign> = groups.into_values().map(|g| campaign(&g)).collect();
    out.sort_by(|a, b| {
        b.strength
            .cmp(&a.strength)
            .then(a.start.cmp(&b.start))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// A campaign's post as gathered from its episodes: account, vault item or
/// not, text, behaviours, federal entities.
type Seen = (
    Rc<AccountInfo>,
    bool,
    String,
    BTreeSet<Behaviour>,
    Vec<&'static str>,
);

fn campaign(group: &[&Burst]) -> Campaign {
    let mut posts: BTreeMap<(i64, String), Seen> = BTreeMap::new();
    let mut members: BTreeSet<u64> = BTreeSet::new();
    let mut who: BTreeMap<u64, Rc<AccountInfo>> = BTreeMap::new();
    let mut hashtags: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut links: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut texts: Vec<CampaignText> = Vec::new();
    let mut behaviours: BTreeSet<Behaviour> = BTreeSet::new();
    for b in group {
        behaviours.insert(b.behaviour);
        members.extend(b.accounts.iter().copied());
        for p in &b.posts {
            who.entry(p.account).or_insert_with(|| p.who.clone());
            let e = posts.entry((p.time, p.id.clone())).or_insert_with(|| {
                (
                    p.who.clone(),
                    p.item,
                    p.text.clone(),
                    BTreeSet::new(),
                    p.entities.clone(),
                )
            });
            e.3.insert(b.behaviour);
            match b.behaviour {
                Behaviour::CoHashtag => {
                    hashtags
                        .entry(b.key.clone())
                        .or_default()
                        .insert(p.id.clone());
                }
                Behaviour::CoLink => {
                    links.entry(b.key.clone()).or_default().insert(p.id.clone());
                }
                _ => {}
            }
        }
        if b.behaviour == Behaviour::CoPost {
            texts.push(CampaignText {
                text: b
                    .variants
                    .first()
                    .map(|v| v.sample.clone())
                    .unwrap_or_default(),
                variants: b.variants.iter().map(|v| v.sample.clone()).collect(),
                posts: b.posts.len() as u32,
            });
        }
    }
    // Hashtags of the posts themselves count too, not only hashtag bursts.
    for ((_, id), (_, _, text, _, _)) in &posts {
        for tag in super::text::Normalized::new(text).hashtags {
            hashtags.entry(tag).or_default().insert(id.clone());
        }
    }
    let mut locations: BTreeMap<&'static str, u32> = BTreeMap::new();
    for (_, _, _, _, ents) in posts.values() {
        for e in ents {
            *locations.entry(e).or_default() += 1;
        }
    }
    let counted = |m: BTreeMap<String, BTreeSet<String>>| -> Vec<Counted> {
        let mut v: Vec<Counted> = m
            .into_iter()
            .map(|(name, ids)| Counted {
                name,
                posts: ids.len() as u32,
            })
            .collect();
        v.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
        v
    };
    let mut locs: Vec<Counted> = locations
        .into_iter()
        .map(|(n, c)| Counted {
            name: n.to_string(),
            posts: c,
        })
        .collect();
    locs.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
    texts.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.text.cmp(&b.text)));
    let start = group.iter().map(|b| b.start).min().unwrap_or_default();
    let end = group.iter().map(|b| b.end).max().unwrap_or_default();
    let peak = group
        .iter()
        .map(|b| b.peak)
        .max_by(|a, b| a.accounts.cmp(&b.accounts).then(b.at.cmp(&a.at)))
        .unwrap_or_default();
    let post_refs: Vec<PostRef> = posts
        .iter()
        .map(|((t, id), (acct, item, text, behs, _))| PostRef {
            id: id.clone(),
            item: *item,
            account: acct.id.clone(),
            at: time(*t),
            text: text.clone(),
            behaviours: behs.iter().copied().collect(),
        })
        .collect();
    // Accounts in the order they first posted in the campaign.
    let mut first_posted: Vec<u64> = Vec::with_capacity(members.len());
    let mut listed: BTreeSet<u64> = BTreeSet::new();
    let mut by_time: Vec<(i64, &str, u64)> = group
        .iter()
        .flat_map(|b| b.posts.iter().map(|p| (p.time, p.id.as_str(), p.account)))
        .collect();
    by_time.sort_unstable();
    for (_, _, acct) in by_time {
        if members.contains(&acct) && listed.insert(acct) {
            first_posted.push(acct);
        }
    }
    let mut id_source = String::new();
    for p in &post_refs {
        id_source.push_str(&p.id);
        id_source.push('\n');
    }
    let episodes: Vec<Episode> = group
        .iter()
        .map(|b| Episode {
            behaviour: b.behaviour,
            key: b.key.clone(),
            accounts: b.accounts.len() as u32,
            posts: b.posts.len() as u32,
            start: time(b.start),
            end: time(b.end),
            log10_p: if b.log10_p.is_finite() {
                b.log10_p
            } else {
                -300.0
            },
            outside: b.outside,
        })
        .collect();
    let (reason, reason_es) = reason(group);
    let strength = strength(group, members.len(), behaviours.len());
    Campaign {
        id: format!("c-{:012x}", hash64(id_source.as_bytes()) >> 16),
        accounts: first_posted
            .iter()
            .map(|a| {
                let info = &who[a];
                AccountRef {
                    id: info.id.clone(),
                    handle: info.handle.clone(),
                    platform: info.platform.clone(),
                }
            })
            .collect(),
        posts: post_refs.iter().map(|p| p.id.clone()).collect(),
        timeline: post_refs,
        start: time(start),
        end: time(end),
        peak_at: time(peak.at),
        peak_accounts: peak.accounts,
        strength,
        reason,
        reason_es,
        behaviours: behaviours.into_iter().collect(),
        texts,
        hashtags: counted(hashtags),
        links: counted(links),
        locations: locs,
        episodes,
    }
}

fn strength(group: &[&Burst], accounts: usize, behaviours: usize) -> u32 {
    let best = group
        .iter()
        .map(|b| b.log10_p)
        .fold(0.0f64, f64::min)
        .max(-30.0);
    let sig = -best / 30.0;
    let acc = ((accounts as f64).log10() / 2.0).min(1.0);
    let rep = ((group.len() as f64 - 1.0) / 4.0).min(1.0);
    let beh = ((behaviours as f64 - 1.0) / 2.0).min(1.0);
    (100.0 * (0.35 * sig + 0.30 * acc + 0.20 * rep + 0.15 * beh)).round() as u32
}

/// A duration in words: "41 seconds", "3 minutes", "2 hours" (and in Spanish).
pub fn duration_words(secs: i64) -> (String, String) {
    let secs = secs.max(1);
    let (n, en, es) = if secs < 120 {
        (secs, "second", "segundo")
    } else if secs < 7200 {
        ((secs + 30) / 60, "minute", "minuto")
    } else if secs < 2 * 86_400 {
        ((secs + 1800) / 3600, "hour", "hora")
    } else {
        ((secs + 43_200) / 86_400, "day", "día")
    };
    let s = if n == 1 { "" } else { "s" };
    (format!("{n} {en}{s}"), format!("{n} {es}{s}"))
}

fn times(k: usize) -> (String, String) {
    match k {
        1 => (String::new(), String::new()),
        2 => (", twice".into(), ", dos veces".into()),
        k => (format!(", {k} times"), format!(", {k} veces")),
    }
}

/// How many different texts co-post episodes are about: episodes whose
/// first texts are near-identical count once.
fn distinct_texts(bursts: &[&Burst]) -> usize {
    let mut seen: Vec<Vec<u64>> = Vec::new();
    for b in bursts {
        let s = super::text::Normalized::new(&b.key).shingles;
        if !seen.iter().any(|x| super::text::jaccard(x, &s) >= 0.5) {
            seen.push(s);
        }
    }
    seen.len()
}

/// Why a campaign was found, in a sentence each language.
fn reason(group: &[&Burst]) -> (String, String) {
    let mut by: BTreeMap<Behaviour, Vec<&Burst>> = BTreeMap::new();
    for b in group {
        by.entry(b.behaviour).or_default().push(b);
    }
    let mut en = Vec::new();
    let mut es = Vec::new();
    for (behaviour, bursts) in &by {
        let k = bursts.len();
        let span = bursts
            .iter()
            .map(|b| b.end - b.start)
            .max()
            .unwrap_or(0)
            .max(1);
        let (d_en, d_es) = duration_words(span);
        let (t_en, t_es) = times(k);
        let n: usize = bursts
            .iter()
            .flat_map(|b| b.accounts.iter())
            .collect::<BTreeSet<_>>()
            .len();
        let (what_en, what_es) = match behaviour {
            Behaviour::CoPost => {
                let variants: BTreeSet<u64> = bursts
                    .iter()
                    .flat_map(|b| b.variants.iter().map(|v| v.exact))
                    .collect();
                let v = variants.len();
                let m = distinct_texts(bursts);
                let (texts, textos) = if m == 1 {
                    ("this text".to_string(), "este texto".to_string())
                } else {
                    (format!("{m} texts"), format!("{m} textos"))
                };
                if v == 1 {
                    (format!("posted {texts}"), format!("publicaron {textos}"))
                } else {
                    (
                        format!("posted {v} variants of {texts}"),
                        format!("publicaron {v} variantes de {textos}"),
                    )
                }
            }
            Behaviour::CoLink => (
                "shared the same link".into(),
                "compartieron el mismo enlace".into(),
            ),
            Behaviour::CoHashtag => {
                let tags: BTreeSet<&str> = bursts.iter().map(|b| b.key.as_str()).collect();
                let list = tags
                    .iter()
                    .take(3)
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                (format!("used {list}"), format!("usaron {list}"))
            }
            Behaviour::CoRepost => (
                "reposted the same post".into(),
                "republicaron la misma publicación".into(),
            ),
            Behaviour::CoReply => (
                "replied to the same post".into(),
                "respondieron a la misma publicación".into(),
            ),
        };
        if en.is_empty() {
            en.push(format!("{n} accounts {what_en} within {d_en}{t_en}"));
            es.push(format!("{n} cuentas {what_es} en {d_es}{t_es}"));
        } else {
            en.push(format!("{n} of them also {what_en} within {d_en}{t_en}"));
            es.push(format!("{n} de ellas también {what_es} en {d_es}{t_es}"));
        }
    }
    (en.join("; "), es.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_would_say_them() {
        assert_eq!(duration_words(41).0, "41 seconds");
        assert_eq!(duration_words(1).1, "1 segundo");
        assert_eq!(duration_words(600).0, "10 minutes");
        assert_eq!(duration_words(3 * 3600).1, "3 horas");
        assert_eq!(duration_words(3 * 86_400).1, "3 días");
    }
}
