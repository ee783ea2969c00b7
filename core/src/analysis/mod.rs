//! Campaign analysis: finds accounts that posted the same or near-identical
//! text, shared the same link, pushed the same hashtag, or reposted or
//! answered the same post within a time window, more often than
//! coincidence explains; groups them into campaigns; and says why, in
//! English and Spanish, with signals about each account that say what they
//! are and what they are not. It never calls an account a bot.
//!
//! Two passes over the posts in time order, both in bounded memory:
//! [`survey`] counts how often everything occurs in the whole input (and
//! estimates the window when asked); [`detect`] holds one window of posts,
//! finds near-identical texts with MinHash and LSH ([`minhash`]) after
//! normalizing them ([`text`]), and keeps the episodes unlikely by
//! coincidence; [`campaigns`] groups those and [`signals`] describes the
//! accounts. All of that is pure: [`analyze`] takes the posts as a
//! function that can be called twice. The vault's side (where the posts
//! come from, where results are kept, the custody entry) is in [`stored`];
//! the files results are written as, in [`export`].
//!
//! Main types: [`Params`], [`Window`], [`InputPost`], [`Analysis`].

pub mod campaigns;
pub mod detect;
pub mod export;
pub mod minhash;
pub mod signals;
pub mod stored;
pub mod survey;
pub mod text;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

pub use campaigns::Campaign;
pub use signals::AccountSignals;

use crate::error::{Error, Result};
use text::{Normalized, hash64, link_key, post_ref_key};

/// What a group of accounts did together.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// The same or near-identical text.
    CoPost,
    /// The same link.
    CoLink,
    /// The same hashtag.
    CoHashtag,
    /// Reposts of the same post.
    CoRepost,
    /// Replies to the same post.
    CoReply,
}

impl Behaviour {
    /// Every behaviour, in a fixed order.
    pub const ALL: [Behaviour; 5] = [
        Behaviour::CoPost,
        Behaviour::CoLink,
        Behaviour::CoHashtag,
        Behaviour::CoRepost,
        Behaviour::CoReply,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Behaviour::CoPost => "co_post",
            Behaviour::CoLink => "co_link",
            Behaviour::CoHashtag => "co_hashtag",
            Behaviour::CoRepost => "co_repost",
            Behaviour::CoReply => "co_reply",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// A byte that keeps each behaviour's keys apart in the sketch.
    pub(crate) fn tag(self) -> u8 {
        b'a' + self as u8
    }
}

/// How close in time posts must be to count as acting together.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "seconds")]
pub enum Window {
    /// One minute.
    OneMinute,
    /// Ten minutes.
    TenMinutes,
    /// One hour.
    OneHour,
    /// Estimated from the data (CooRnet's method).
    Auto,
    /// A number of seconds.
    Seconds(u32),
}

impl Window {
    /// Reads `1m`, `10m`, `1h`, `auto` or a number of seconds.
    pub fn parse(s: &str) -> Result<Window> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1m" => Ok(Window::OneMinute),
            "10m" => Ok(Window::TenMinutes),
            "1h" | "60m" => Ok(Window::OneHour),
            "auto" => Ok(Window::Auto),
            n => match n.trim_end_matches('s').parse::<u32>() {
                Ok(secs) if (1..=7 * 86_400).contains(&secs) => Ok(Window::Seconds(secs)),
                _ => Err(Error::invalid(
                    format!(
                        "unknown window {s:?}: give 1m, 10m, 1h, auto or a number of seconds (1 to 604800)"
                    ),
                    format!(
                        "ventana desconocida {s:?}: indica 1m, 10m, 1h, auto o un número de segundos (de 1 a 604800)"
                    ),
                )),
            },
        }
    }

    /// The seconds of a fixed window (`None` for [`Window::Auto`]).
    pub fn seconds(self) -> Option<u32> {
        match self {
            Window::OneMinute => Some(60),
            Window::TenMinutes => Some(600),
            Window::OneHour => Some(3600),
            Window::Auto => None,
            Window::Seconds(s) => Some(s),
        }
    }
}

/// An estimated window is kept between these (seconds): below ten seconds
/// clocks and collection disagree; above an hour it is no longer "at once".
pub const AUTO_WINDOW_RANGE: (u32, u32) = (10, 3600);

/// The settings of a run, kept with its results.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The window asked for.
    pub window_mode: Window,
    /// The window used, in seconds.
    pub window: u32,
    /// The window estimated from the data (with [`Window::Auto`]), before
    /// it was kept within [`AUTO_WINDOW_RANGE`].
    pub window_estimated: Option<f64>,
    /// Fewest distinct accounts in an episode.
    pub min_accounts: u32,
    /// Least Jaccard similarity of two texts' shingles to call them near-identical.
    pub similarity: f64,
    /// Keep only episodes whose chance by coincidence is below `10^significance_log10`.
    pub significance: bool,
    /// The threshold, as log10 (-3 is one in a thousand).
    pub significance_log10: f64,
    /// The busiest window must hold at least this many times the accounts
    /// its own rate gives (a routine said every morning is not a campaign).
    pub min_ratio: f64,
    /// MinHash functions and LSH bands.
    pub minhash: (u32, u32),
    /// Version of the method: results of different versions differ.
    pub method_version: u32,
}

impl Params {
    /// The defaults for a window: at least 3 accounts, similarity 0.75, one in a thousand.
    pub fn new(window: Window) -> Params {
        Params {
            window_mode: window,
            window: window.seconds().unwrap_or(60),
            window_estimated: None,
            min_accounts: 3,
            similarity: 0.75,
            significance: true,
            significance_log10: -3.0,
            min_ratio: 5.0,
            minhash: (minhash::HASHES as u32, minhash::BANDS as u32),
            method_version: 2,
        }
    }

    pub(crate) fn log10_alpha(&self) -> f64 {
        self.significance_log10
    }
}

/// One post as the analysis reads it: an imported post or a vault item.
#[derive(Debug, Clone, Default)]
pub struct InputPost {
    /// The source's message id, or the item id.
    pub id: String,
    /// A vault item rather than an imported post.
    pub item: bool,
    /// The source's user id, or the handle where there is none.
    pub account_id: String,
    /// Handle, without `@`.
    pub handle: String,
    /// Platform, folded (`x`, `tiktok`, `instagram`, `telegram`...).
    pub platform: Option<String>,
    /// Posted at, Unix seconds.
    pub time: i64,
    /// The text as posted.
    pub text: String,
    /// Links the source gives besides those in the text (expanded URLs).
    pub links: Vec<String>,
    /// Hashtags the source gives besides those in the text.
    pub hashtags: Vec<String>,
    /// The post it answers: a URL or an id.
    pub reply_to: Option<String>,
    /// The post it reposts: a URL or an id.
    pub repost_of: Option<String>,
    /// The item's location, when filed under a federal entity.
    pub state: Option<String>,
}

/// What a post is compared by: its normalized text and its keys.
#[derive(Debug, Clone)]
pub struct PostKeys {
    /// The text, normalized.
    pub text: Normalized,
    /// Links (text and source), as (key, hash), once each.
    pub links: Vec<(String, u64)>,
    /// Hashtags (text and source), folded, as (tag, hash), once each.
    pub hashtags: Vec<(String, u64)>,
    /// The reposted post's key.
    pub repost: Option<(String, u64)>,
    /// The answered post's key.
    pub reply: Option<(String, u64)>,
}

impl PostKeys {
    /// Normalizes a post.
    pub fn new(p: &InputPost) -> PostKeys {
        let text = Normalized::new(&p.text);
        let with_hash = |s: String| {
            let h = hash64(s.as_bytes());
            (s, h)
        };
        let mut links: Vec<String> = text
            .urls
            .iter()
            .chain(&p.links)
            .filter_map(|u| link_key(u))
            .collect();
        links.sort();
        links.dedup();
        let mut hashtags: Vec<String> = text
            .hashtags
            .iter()
            .cloned()
            .chain(
                p.hashtags
                    .iter()
                    .map(|h| text::fold_word(h.trim_start_matches('#'))),
            )
            .filter(|h| !h.is_empty())
            .collect();
        hashtags.sort();
        hashtags.dedup();
        let platform = p.platform.as_deref();
        PostKeys {
            links: links.into_iter().map(with_hash).collect(),
            hashtags: hashtags.into_iter().map(with_hash).collect(),
            repost: p
                .repost_of
                .as_deref()
                .and_then(|r| post_ref_key(r, platform))
                .map(with_hash),
            reply: p
                .reply_to
                .as_deref()
                .and_then(|r| post_ref_key(r, platform))
                .map(with_hash),
            text,
        }
    }
}

/// Co-actions between two accounts, for the network.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// One account's id.
    pub a: String,
    /// The other's.
    pub b: String,
    /// Posts of the same or near-identical text within the window of each other.
    pub co_post: u32,
    /// The same link.
    pub co_link: u32,
    /// Reposts of the same post.
    pub co_repost: u32,
    /// Replies to the same post.
    pub co_reply: u32,
}

/// What was read.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Posts read (imported posts and vault items with a posting time).
    pub posts: u64,
    /// Of which vault items.
    pub items: u64,
    /// Distinct accounts (estimated within about 2% past a few thousand:
    /// counting them exactly would take memory that grows with the input).
    pub accounts: u64,
    /// First post.
    pub first: Option<chrono::DateTime<chrono::Utc>>,
    /// Last post.
    pub last: Option<chrono::DateTime<chrono::Utc>>,
}

/// The results of a run: what `testigo analyze --json` prints.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The settings that produced it.
    pub parameters: Params,
    /// What was read.
    pub input: InputSummary,
    /// Campaigns, strongest first.
    pub campaigns: Vec<Campaign>,
    /// The accounts in campaigns, with their signals, most campaigns first.
    pub accounts: Vec<AccountSignals>,
    /// Who acted with whom, among the accounts in campaigns.
    pub edges: Vec<Edge>,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// 1: counting; 2: finding episodes.
    pub pass: u8,
    /// Posts read in this pass.
    pub done: u64,
    /// Posts in all.
    pub total: u64,
}

/// Posts between progress reports and cancel checks.
const PROGRESS_EVERY: u64 = 5_000;

/// The posts, in time order, each handed to the callback; called once per pass.
pub type Source<'s> = dyn FnMut(&mut dyn FnMut(&InputPost) -> Result<()>) -> Result<()> + 's;

fn cancelled() -> Error {
    Error::invalid(
        "the analysis was cancelled; nothing was kept",
        "el análisis se canceló; no se guardó nada",
    )
}

/// Runs the analysis over `source` (read twice), `total` posts long.
pub fn analyze(
    source: &mut Source<'_>,
    total: u64,
    window: Window,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Analysis> {
    let mut params = Params::new(window);
    analyze_with(source, total, &mut params, on_progress, cancel)
}

/// Like [`analyze`], with every setting given.
pub fn analyze_with(
    source: &mut Source<'_>,
    total: u64,
    params: &mut Params,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Analysis> {
    let mut survey = survey::Survey::new(params.window_mode == Window::Auto);
    let mut items = 0u64;
    source(&mut |p| {
        survey.add(p.time, &PostKeys::new(p));
        survey.add_account(detect::account_key(p));
        items += u64::from(p.item);
        if survey.posts.is_multiple_of(PROGRESS_EVERY) {
            if cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            on_progress(Progress {
                pass: 1,
                done: survey.posts,
                total,
            });
        }
        Ok(())
    })?;
    if params.window_mode == Window::Auto {
        let est = survey.estimated_window();
        params.window_estimated = est;
        let (lo, hi) = AUTO_WINDOW_RANGE;
        params.window = est.map_or(60, |e| (e.round() as u32).clamp(lo, hi));
    }
    let params = &*params;
    let mut engine = detect::Engine::new(params, &survey.background);
    source(&mut |p| {
        engine.push(p, &PostKeys::new(p));
        if engine.posts.is_multiple_of(PROGRESS_EVERY) {
            if cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            on_progress(Progress {
                pass: 2,
                done: engine.posts,
                total,
            });
        }
        Ok(())
    })?;
    engine.finish();
    on_progress(Progress {
        pass: 2,
        done: engine.posts,
        total: engine.posts,
    });
    // The episodes' posts are copied into the campaigns: let them go once they are.
    let found = campaigns::campaigns(&std::mem::take(&mut engine.bursts));
    // The accounts in campaigns, by key, with their names and how many campaigns each is in.
    let mut in_campaigns: HashMap<u64, (detect::AccountInfo, u32)> = HashMap::new();
    for c in &found {
        for a in &c.accounts {
            let key = detect::account_key(&InputPost {
                account_id: a.id.clone(),
                platform: a.platform.clone(),
                ..InputPost::default()
            });
            let info = detect::AccountInfo {
                id: a.id.clone(),
                handle: a.handle.clone(),
                platform: a.platform.clone(),
            };
            in_campaigns.entry(key).or_insert((info, 0)).1 += 1;
        }
    }
    // A third pass, only for those accounts: their tallies for the signals.
    let mut tallies: HashMap<u64, detect::AccountTally> = HashMap::new();
    if !in_campaigns.is_empty() {
        let mut read = 0u64;
        source(&mut |p| {
            read += 1;
            let key = detect::account_key(p);
            if in_campaigns.contains_key(&key) {
                tallies.entry(key).or_default().add(p.time);
            }
            if read.is_multiple_of(PROGRESS_EVERY) && cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            Ok(())
        })?;
    }
    let mut accounts: Vec<(u32, AccountSignals)> = in_campaigns
        .iter()
        .map(|(key, (info, n))| {
            let mut tally = tallies.get(key).cloned().unwrap_or_default();
            tally.co_posts = engine.co_posts.get(key).copied().unwrap_or(0);
            (*n, signals::account_signals(info, &tally, *n))
        })
        .collect();
    accounts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    let mut edges: Vec<Edge> = engine
        .edges
        .iter()
        .filter_map(|((a, b), n)| {
            let (ia, ib) = (&in_campaigns.get(a)?.0, &in_campaigns.get(b)?.0);
            let (a, b) = if ia.id <= ib.id { (ia, ib) } else { (ib, ia) };
            Some(Edge {
                a: a.id.clone(),
                b: b.id.clone(),
                co_post: n[Behaviour::CoPost as usize],
                co_link: n[Behaviour::CoLink as usize],
                co_repost: n[Behaviour::CoRepost as usize],
                co_reply: n[Behaviour::CoReply as usize],
            })
        })
        .collect();
    edges.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let b = &survey.background;
    let first = (survey.posts > 0).then(|| b.first_time()).flatten();
    let last = (survey.posts > 0).then(|| b.last_time()).flatten();
    Ok(Analysis {
        parameters: params.clone(),
        input: InputSummary {
            posts: engine.posts,
            items,
            accounts: survey.accounts(),
            first: first.and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
            last: last.and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        },
        campaigns: found,
        accounts: accounts.into_iter().map(|(_, a)| a).collect(),
        edges,
    })
}

/// Every pair of accounts that posted the same or near-identical text
/// within `window` seconds of each other, with how many times: the raw
/// co-post network before any test of coincidence (what the QUT toolkit's
/// co-tweet network holds). For comparisons; [`analyze`] keeps only what
/// coincidence does not explain.
pub fn co_post_pairs(source: &mut Source<'_>, window: u32) -> Result<Vec<Edge>> {
    let mut params = Params::new(Window::Seconds(window.max(1)));
    params.min_accounts = 2;
    params.significance = false;
    let never = AtomicBool::new(false);
    let mut all = analyze_with(source, 0, &mut params, &mut |_| {}, &never)?;
    let edges = std::mem::take(&mut all.edges);
    Ok(edges.into_iter().filter(|e| e.co_post > 0).collect())
}
