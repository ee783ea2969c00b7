//! MinHash signatures and LSH banding, pure: how near-identical texts find
//! each other without comparing every pair. A text's signature is the
//! minimum of [`HASHES`] independent hash functions over its shingles; two
//! texts with Jaccard similarity `J` agree on each position with
//! probability `J`. Cut into [`BANDS`] bands of [`ROWS`] positions, two
//! texts become candidates when any band is equal: at `J` = 0.75 that
//! happens with probability 0.998, at `J` = 0.3 with 0.12. Candidates are
//! then confirmed by their exact Jaccard similarity.
//!
//! Main types: [`Signature`], [`Lsh`] (an index of the texts alive in the
//! time window, from which texts are removed as the window moves on).

use std::collections::HashMap;

/// Hash functions per signature.
pub const HASHES: usize = 64;
/// Bands of the signature.
pub const BANDS: usize = 16;
/// Positions per band.
pub const ROWS: usize = HASHES / BANDS;

/// A MinHash signature.
pub type Signature = [u32; HASHES];

/// The finalizer of SplitMix64: a fast, well-mixed permutation of u64.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Seeds of the hash functions: fixed, so signatures never change.
fn seed(i: usize) -> u64 {
    mix(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1))
}

/// The signature of a set of shingle hashes (all `u32::MAX` for an empty set).
pub fn signature(shingles: &[u64]) -> Signature {
    let mut sig = [u32::MAX; HASHES];
    for &s in shingles {
        for (i, slot) in sig.iter_mut().enumerate() {
            let h = (mix(s ^ seed(i)) >> 32) as u32;
            if h < *slot {
                *slot = h;
            }
        }
    }
    sig
}

fn band_key(sig: &Signature, band: usize) -> u64 {
    let mut bytes = [0u8; ROWS * 4 + 1];
    for (k, v) in sig[band * ROWS..(band + 1) * ROWS].iter().enumerate() {
        bytes[k * 4..k * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    bytes[ROWS * 4] = band as u8;
    super::text::hash64(&bytes)
}

/// An index of signatures by band, keyed by the caller's ids.
#[derive(Default)]
pub struct Lsh {
    buckets: HashMap<u64, Vec<u32>>,
}

impl Lsh {
    /// Adds `id` with its signature.
    pub fn insert(&mut self, id: u32, sig: &Signature) {
        for b in 0..BANDS {
            self.buckets.entry(band_key(sig, b)).or_default().push(id);
        }
    }

    /// Removes `id`, inserted with this signature.
    pub fn remove(&mut self, id: u32, sig: &Signature) {
        for b in 0..BANDS {
            let key = band_key(sig, b);
            if let Some(ids) = self.buckets.get_mut(&key) {
                ids.retain(|&x| x != id);
                if ids.is_empty() {
                    self.buckets.remove(&key);
                }
            }
        }
    }

    /// The ids sharing at least one band with `sig`, sorted, once each.
    pub fn candidates(&self, sig: &Signature) -> Vec<u32> {
        let mut out = Vec::new();
        for b in 0..BANDS {
            if let Some(ids) = self.buckets.get(&band_key(sig, b)) {
                out.extend_from_slice(ids);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::Normalized;

    #[test]
    fn near_texts_are_candidates_and_far_texts_are_not() {
        let a =
            Normalized::new("Todos a la plaza central a las 5, que no quede nada #Saqueo #Puebla");
        let b = Normalized::new(
            "todos a la plaza central a las 6 que no quede nada #Puebla #Saqueo 🔥",
        );
        let c =
            Normalized::new("Hoy hubo lluvia fuerte en el centro de la ciudad y cerraron calles");
        let mut lsh = Lsh::default();
        lsh.insert(1, &signature(&a.shingles));
        lsh.insert(2, &signature(&c.shingles));
        assert_eq!(lsh.candidates(&signature(&b.shingles)), [1]);
        lsh.remove(1, &signature(&a.shingles));
        assert!(lsh.candidates(&signature(&b.shingles)).is_empty());
        assert_eq!(lsh.candidates(&signature(&c.shingles)), [2]);
    }

    #[test]
    fn signatures_agree_about_as_often_as_the_jaccard_similarity() {
        let a: Vec<u64> = (0..100).collect();
        let b: Vec<u64> = (20..120).collect(); // Jaccard 80/120
        let (sa, sb) = (signature(&a), signature(&b));
        let agree = sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64 / HASHES as f64;
        assert!((agree - 0.667).abs() < 0.2, "{agree}");
    }
}
