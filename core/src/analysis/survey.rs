//! The first pass, pure: how often each text, link, hashtag and referenced
//! post occurs in the whole input, and over what span of time, so the second
//! pass can tell a burst from steady repetition; and, when asked, the
//! coordination window estimated from the data as CooRnet does.
//!
//! Counts go into a count-min sketch of fixed size ([`SKETCH_WIDTH`] x
//! [`SKETCH_DEPTH`] counters, 16 MiB), and so does the number of distinct
//! hours each thing was posted in (a 4 MiB presence filter of (thing, hour)
//! pairs and a 4 MiB sketch): memory does not grow with the input,
//! and a count can only be overestimated, which makes a burst look less
//! unusual, never more. Only when the window is to be estimated does the
//! survey keep the share times of a sample of texts and links, the sample
//! halving whenever it passes [`SAMPLE_TIMES`] times (chosen by hash, so the
//! same input gives the same sample); it is dropped once the estimate is made.
//!
//! Main types: [`Survey`], [`Background`].

use std::collections::HashMap;

use super::minhash::mix;
use super::{Behaviour, PostKeys};

/// Counters per row of the sketch.
pub const SKETCH_WIDTH: usize = 1 << 20;
/// Rows of the sketch.
pub const SKETCH_DEPTH: usize = 4;
/// Bits of HyperLogLog register index (4,096 registers: about 1.6% error).
const HLL_BITS: u32 = 12;
/// Share times kept for the window estimate, at most.
pub const SAMPLE_TIMES: usize = 1 << 20;

/// Bits of the presence filter of (key, hour) pairs (4 MiB).
const HOUR_BITS: usize = 1 << 25;
/// Counters per row of the active-hours sketch.
const ACTIVE_WIDTH: usize = 1 << 18;

/// How often things occur in the whole input, in how many distinct hours,
/// and the input's time span.
pub struct Background {
    counters: Vec<u32>,
    /// Which (key, hour) pairs were seen: a bit each, by hash (a collision
    /// can only hide an hour, never add one).
    hours_seen: Vec<u64>,
    /// How many distinct hours each key was posted in, as a count-min sketch.
    active: Vec<u32>,
    first: Option<i64>,
    last: Option<i64>,
}

impl Background {
    fn new() -> Background {
        Background {
            counters: vec![0; SKETCH_WIDTH * SKETCH_DEPTH],
            hours_seen: vec![0; HOUR_BITS / 64],
            active: vec![0; ACTIVE_WIDTH * SKETCH_DEPTH],
            first: None,
            last: None,
        }
    }

    fn slots(behaviour: Behaviour, key: u64) -> [usize; SKETCH_DEPTH] {
        let mut out = [0; SKETCH_DEPTH];
        let base = mix(key ^ (u64::from(behaviour.tag()) << 56));
        for (row, slot) in out.iter_mut().enumerate() {
            let h = mix(base.wrapping_add((row as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
            *slot = row * SKETCH_WIDTH + (h as usize & (SKETCH_WIDTH - 1));
        }
        out
    }

    fn add(&mut self, behaviour: Behaviour, key: u64, time: i64) {
        let slots = Self::slots(behaviour, key);
        for s in slots {
            self.counters[s] = self.counters[s].saturating_add(1);
        }
        let hour = time.div_euclid(3600) as u64;
        let bit =
            (mix(slots[0] as u64 ^ hour.wrapping_mul(0x9e37_79b9_7f4a_7c15)) as usize) % HOUR_BITS;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        if self.hours_seen[word] & mask == 0 {
            self.hours_seen[word] |= mask;
            for (row, s) in slots.iter().enumerate() {
                let i = row * ACTIVE_WIDTH + (s % SKETCH_WIDTH) % ACTIVE_WIDTH;
                self.active[i] = self.active[i].saturating_add(1);
            }
        }
    }

    /// In how many distinct hours this key was posted (at least 1).
    pub fn active_hours(&self, behaviour: Behaviour, key: u64) -> u64 {
        Self::slots(behaviour, key)
            .iter()
            .enumerate()
            .map(|(row, s)| {
                u64::from(self.active[row * ACTIVE_WIDTH + (s % SKETCH_WIDTH) % ACTIVE_WIDTH])
            })
            .min()
            .unwrap_or(0)
            .max(1)
    }

    /// How many posts had this key (never fewer than the truth).
    pub fn count(&self, behaviour: Behaviour, key: u64) -> u64 {
        Self::slots(behaviour, key)
            .iter()
            .map(|s| u64::from(self.counters[*s]))
            .min()
            .unwrap_or(0)
    }

    /// The first post's time.
    pub fn first_time(&self) -> Option<i64> {
        self.first
    }

    /// The last post's time.
    pub fn last_time(&self) -> Option<i64> {
        self.last
    }

    /// Seconds from the first post to the last.
    pub fn span(&self) -> i64 {
        match (self.first, self.last) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }
}

/// The first pass over the input.
pub struct Survey {
    /// The counts.
    pub background: Background,
    /// Posts read.
    pub posts: u64,
    /// Share times of a sample of texts and links, when estimating the window.
    sample: Option<HashMap<u64, Vec<i64>>>,
    sample_times: usize,
    /// A key is sampled when its mixed hash is a multiple of this.
    modulus: u64,
    /// HyperLogLog registers counting distinct accounts (2^12 of them).
    registers: Vec<u8>,
}

impl Survey {
    /// An empty survey; `estimate_window` keeps the sample of share times
    /// that [`Survey::estimated_window`] needs.
    pub fn new(estimate_window: bool) -> Survey {
        Survey {
            background: Background::new(),
            posts: 0,
            sample: estimate_window.then(HashMap::new),
            sample_times: 0,
            modulus: 1,
            registers: vec![0; 1 << HLL_BITS],
        }
    }

    /// Counts an account (by its key) for the distinct-account estimate.
    pub fn add_account(&mut self, key: u64) {
        let h = mix(key);
        let index = (h >> (64 - HLL_BITS)) as usize;
        let rank = ((h << HLL_BITS) | (1 << (HLL_BITS - 1))).leading_zeros() as u8 + 1;
        if rank > self.registers[index] {
            self.registers[index] = rank;
        }
    }

    /// Distinct accounts seen: HyperLogLog's estimate (linear counting while few).
    pub fn accounts(&self) -> u64 {
        let m = self.registers.len() as f64;
        let sum: f64 = self
            .registers
            .iter()
            .map(|r| 2f64.powi(-i32::from(*r)))
            .sum();
        let estimate = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
        let zeros = self.registers.iter().filter(|r| **r == 0).count();
        let value = if estimate <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            estimate
        };
        value.round() as u64
    }

    /// Counts one post (posts come in time order).
    pub fn add(&mut self, time: i64, keys: &PostKeys) {
        self.posts += 1;
        let b = &mut self.background;
        b.first = Some(b.first.map_or(time, |f| f.min(time)));
        b.last = Some(b.last.map_or(time, |l| l.max(time)));
        if !keys.text.tokens.is_empty() {
            b.add(Behaviour::CoPost, keys.text.exact, time);
            self.sample(keys.text.exact, time);
        }
        for (_, k) in &keys.links {
            self.background.add(Behaviour::CoLink, *k, time);
            self.sample(*k ^ 1, time);
        }
        for (_, k) in &keys.hashtags {
            self.background.add(Behaviour::CoHashtag, *k, time);
        }
        if let Some((_, k)) = &keys.repost {
            self.background.add(Behaviour::CoRepost, *k, time);
        }
        if let Some((_, k)) = &keys.reply {
            self.background.add(Behaviour::CoReply, *k, time);
        }
    }

    fn sample(&mut self, key: u64, time: i64) {
        let Some(sample) = self.sample.as_mut() else {
            return;
        };
        if !mix(key).is_multiple_of(self.modulus) {
            return;
        }
        sample.entry(key).or_default().push(time);
        self.sample_times += 1;
        while self.sample_times > SAMPLE_TIMES {
            self.modulus *= 2;
            let m = self.modulus;
            sample.retain(|k, _| mix(*k).is_multiple_of(m));
            self.sample_times = sample.values().map(Vec::len).sum();
        }
    }

    /// The coordination window estimated from the data (CooRnet's
    /// `estimate_coord_interval` with q = 0.1, p = 0.5): for every text or
    /// link posted more than once, the seconds from its first post until
    /// more than half of its posts were out; the 10th percentile of those.
    /// `None` when nothing was posted twice (or the survey was made
    /// without `estimate_window`). The sample is dropped: it is needed once.
    pub fn estimated_window(&mut self) -> Option<f64> {
        let sample = self.sample.take()?;
        let mut delays: Vec<i64> = sample
            .values()
            .filter(|times| times.len() > 1)
            .map(|times| {
                let n = times.len();
                // The first share with rank / n > 0.5 (ranks from 1).
                let i = n / 2;
                times[i] - times[0]
            })
            .collect();
        if delays.is_empty() {
            return None;
        }
        delays.sort_unstable();
        Some(quantile(&delays, 0.1))
    }
}

/// The `q` quantile of sorted values, interpolated (R's default, type 7).
fn quantile(sorted: &[i64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] as f64 + (h - lo as f64) * (sorted[hi] - sorted[lo]) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::Normalized;

    fn keys(text: &str) -> PostKeys {
        PostKeys {
            text: Normalized::new(text),
            links: Vec::new(),
            hashtags: Vec::new(),
            repost: None,
            reply: None,
        }
    }

    #[test]
    fn counts_are_never_under_and_the_span_is_first_to_last() {
        let mut s = Survey::new(true);
        for t in 0..50 {
            s.add(100 + t, &keys("la misma frase"));
        }
        s.add(500, &keys("otra cosa"));
        let k = Normalized::new("la misma frase").exact;
        assert!(s.background.count(Behaviour::CoPost, k) >= 50);
        assert!(s.background.count(Behaviour::CoPost, k) < 52);
        assert_eq!(s.background.count(Behaviour::CoLink, k), 0);
        assert_eq!(s.background.span(), 400);
        assert_eq!(s.background.active_hours(Behaviour::CoPost, k), 1);
        let mut daily = Survey::new(true);
        for day in 0..5 {
            for m in 0..10 {
                daily.add(day * 86_400 + m * 60, &keys("buenos dias"));
            }
        }
        let g = Normalized::new("buenos dias").exact;
        assert_eq!(daily.background.active_hours(Behaviour::CoPost, g), 5);
        for a in 0..3000u64 {
            s.add_account(a);
            s.add_account(a);
        }
        let n = s.accounts();
        assert!((2900..3100).contains(&n), "{n}");
    }

    #[test]
    fn the_window_estimate_follows_the_quickest_tenth() {
        let mut s = Survey::new(true);
        // Nine texts whose halves are out after 600 s, one after 20 s.
        let mut posts: Vec<(i64, String)> = Vec::new();
        for i in 0..9 {
            for k in 0..4 {
                posts.push((k * 300, format!("texto lento {i}")));
            }
        }
        for k in 0..4 {
            posts.push((k * 10, "texto rapido".to_string()));
        }
        posts.sort();
        for (t, text) in &posts {
            s.add(*t, &keys(text));
        }
        // Delays: 20 and nine of 600; the 10th percentile lies between.
        let w = s.estimated_window().unwrap_or_default();
        assert!((20.0..600.0).contains(&w), "{w}");
        assert_eq!(Survey::new(true).estimated_window(), None);
        assert_eq!(quantile(&[0, 10], 0.5), 5.0);
    }
}
