//! What a post's URL itself says: the platform, the author's handle, the
//! post's id and, for ids that encode it, the time the post was made. Pure
//! functions, no network.
//!
//! Main type: [`PostUrl`], from [`parse_post_url`]. Handles are kept without
//! `@`. Times derived from ids carry the method that gave them
//! ([`DerivedTime`]): X/Twitter snowflakes and TikTok ids.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// Milliseconds since the Unix epoch of X/Twitter's snowflake epoch
/// (2010-11-04T01:42:54.657Z).
pub const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;

/// A time read out of a post id, with how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DerivedTime {
    /// The time.
    pub at: DateTime<Utc>,
    /// How it was derived, in words a reader of a report can check.
    pub method: String,
}

/// The facts a post URL gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PostUrl {
    /// `x`, `facebook`, `instagram`, `tiktok`, `youtube`, `telegram`,
    /// `bluesky`, `mastodon`, `threads`.
    pub platform: String,
    /// The author's handle, without `@` (for Mastodon, `user@instance`).
    pub handle: Option<String>,
    /// The post's id on the platform.
    pub post_id: Option<String>,
    /// The post's time, when its id encodes it.
    pub posted_at: Option<DerivedTime>,
}

impl PostUrl {
    fn new(platform: &'static str, handle: Option<&str>, post_id: Option<&str>) -> PostUrl {
        let clean = |s: &str| {
            let s = s.trim().trim_start_matches('@');
            (!s.is_empty()).then(|| s.to_string())
        };
        PostUrl {
            platform: platform.to_string(),
            handle: handle.and_then(clean),
            post_id: post_id.and_then(clean),
            posted_at: None,
        }
    }
}

/// The time in an X/Twitter snowflake id: `(id >> 22) + 1288834974657` ms
/// since the Unix epoch. Ids from before snowflakes (November 2010, all
/// below about 3·10^10) carry no time and give `None`.
pub fn twitter_snowflake_time(id: u64) -> Option<DerivedTime> {
    // One minute after the snowflake epoch; every pre-snowflake id is below.
    if id < (60_000u64 << 22) {
        return None;
    }
    let ms = i64::try_from(id >> 22).ok()? + TWITTER_EPOCH_MS;
    Some(DerivedTime {
        at: DateTime::from_timestamp_millis(ms)?,
        method: format!(
            "X/Twitter snowflake id {id}: (id >> 22) + {TWITTER_EPOCH_MS} ms since 1970-01-01T00:00:00Z"
        ),
    })
}

/// The time in a TikTok video or photo-post id: its upper 32 bits are Unix
/// seconds. Ids that would fall before TikTok's launch (September 2016) or
/// after 2100 are not taken as such ids and give `None`.
pub fn tiktok_id_time(id: u64) -> Option<DerivedTime> {
    let secs = i64::try_from(id >> 32).ok()?;
    if !(1_472_688_000..4_102_444_800).contains(&secs) {
        return None;
    }
    Some(DerivedTime {
        at: DateTime::from_timestamp(secs, 0)?,
        method: format!("TikTok id {id}: id >> 32 = Unix seconds"),
    })
}

fn numeric(s: &str) -> Option<u64> {
    (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses a post or profile URL of a known platform. Unknown hosts and
/// shapes give `None`; so do paths that name no post or account.
pub fn parse_post_url(input: &str) -> Option<PostUrl> {
    let url = Url::parse(input.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_prefix("m.").unwrap_or(host);
    let host = host.strip_prefix("mobile.").unwrap_or(host);
    let segs: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    match host {
        "x.com" | "twitter.com" => x(&segs),
        "facebook.com" | "fb.com" | "web.facebook.com" => facebook(&segs, &query),
        "instagram.com" => instagram(&segs),
        "tiktok.com" => tiktok(&segs),
        "youtube.com" | "music.youtube.com" => youtube(&segs, &query),
        "youtu.be" => Some(PostUrl::new("youtube", None, segs.first().copied())),
        "t.me" | "telegram.me" => telegram(&segs),
        "bsky.app" => bluesky(&segs),
        "threads.net" | "threads.com" => threads(&segs),
        other => mastodon(other, &segs),
    }
}

fn x(segs: &[&str]) -> Option<PostUrl> {
    const RESERVED: &[&str] = &[
        "i",
        "home",
        "explore",
        "search",
        "hashtag",
        "settings",
        "messages",
        "notifications",
        "intent",
        "share",
        "compose",
        "login",
        "signup",
        "tos",
        "privacy",
    ];
    let mut post = match segs {
        ["i", "web", "status", id, ..] | ["i", "status", id, ..] => {
            PostUrl::new("x", None, Some(id))
        }
        [user, "status" | "statuses", id, ..] if !RESERVED.contains(user) => {
            PostUrl::new("x", Some(user), Some(id))
        }
        [user, ..] if !RESERVED.contains(user) => PostUrl::new("x", Some(user), None),
        _ => return None,
    };
    if let Some(id) = post.post_id.as_deref() {
        if let Some(n) = numeric(id) {
            post.posted_at = twitter_snowflake_time(n);
        } else {
            post.post_id = None;
        }
    }
    Some(post)
}

fn facebook(segs: &[&str], query: &dyn Fn(&str) -> Option<String>) -> Option<PostUrl> {
    const RESERVED: &[&str] = &[
        "permalink.php",
        "story.php",
        "photo.php",
        "photo",
        "watch",
        "groups",
        "share",
        "events",
        "reel",
        "hashtag",
        "pages",
        "profile.php",
        "login",
        "home.php",
        "marketplace",
        "gaming",
    ];
    let story = || query("story_fbid").or_else(|| query("fbid"));
    Some(match segs {
        ["permalink.php" | "story.php", ..] => {
            PostUrl::new("facebook", query("id").as_deref(), story().as_deref())
        }
        ["photo.php" | "photo", ..] => PostUrl::new("facebook", None, story().as_deref()),
        ["profile.php", ..] => PostUrl::new("facebook", query("id").as_deref(), None),
        ["watch", ..] => PostUrl::new("facebook", None, query("v").as_deref()),
        ["reel", id, ..] => PostUrl::new("facebook", None, Some(id)),
        ["groups", _, "posts" | "permalink", id, ..] => PostUrl::new("facebook", None, Some(id)),
        [user, "posts" | "videos" | "photos", .., id] if !RESERVED.contains(user) => {
            PostUrl::new("facebook", Some(user), Some(id))
        }
        [user, ..] if !RESERVED.contains(user) => PostUrl::new("facebook", Some(user), None),
        _ => PostUrl::new("facebook", None, None),
    })
}

fn instagram(segs: &[&str]) -> Option<PostUrl> {
    const RESERVED: &[&str] = &[
        "p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct",
    ];
    Some(match segs {
        ["p" | "reel" | "reels" | "tv", code, ..] => PostUrl::new("instagram", None, Some(code)),
        ["stories", user, id, ..] => PostUrl::new("instagram", Some(user), Some(id)),
        [user, "p" | "reel", code, ..] => PostUrl::new("instagram", Some(user), Some(code)),
        [user, ..] if !RESERVED.contains(user) => PostUrl::new("instagram", Some(user), None),
        _ => return None,
    })
}

fn tiktok(segs: &[&str]) -> Option<PostUrl> {
    let mut post = match segs {
        [user, "video" | "photo", id, ..] if user.starts_with('@') => {
            PostUrl::new("tiktok", Some(user), Some(id))
        }
        [user, ..] if user.starts_with('@') => PostUrl::new("tiktok", Some(user), None),
        _ => return None,
    };
    if let Some(id) = post.post_id.as_deref() {
        post.posted_at = numeric(id).and_then(tiktok_id_time);
    }
    Some(post)
}

fn youtube(segs: &[&str], query: &dyn Fn(&str) -> Option<String>) -> Option<PostUrl> {
    Some(match segs {
        ["watch", ..] => PostUrl::new("youtube", None, query("v").as_deref()),
        ["shorts" | "live" | "embed", id, ..] => PostUrl::new("youtube", None, Some(id)),
        [user, ..] if user.starts_with('@') => PostUrl::new("youtube", Some(user), None),
        ["channel" | "c" | "user", name, ..] => PostUrl::new("youtube", Some(name), None),
        _ => return None,
    })
}

fn telegram(segs: &[&str]) -> Option<PostUrl> {
    let segs = match segs {
        ["s", rest @ ..] => rest,
        other => other,
    };
    Some(match segs {
        ["c", _, id, ..] => PostUrl::new("telegram", None, Some(id)),
        ["joinchat" | "addstickers" | "share", ..] => return None,
        [chan, id, ..] if numeric(id).is_some() => PostUrl::new("telegram", Some(chan), Some(id)),
        [chan] => PostUrl::new("telegram", Some(chan), None),
        _ => return None,
    })
}

fn bluesky(segs: &[&str]) -> Option<PostUrl> {
    Some(match segs {
        ["profile", handle, "post", id, ..] => PostUrl::new("bluesky", Some(handle), Some(id)),
        ["profile", handle, ..] => PostUrl::new("bluesky", Some(handle), None),
        _ => return None,
    })
}

fn threads(segs: &[&str]) -> Option<PostUrl> {
    Some(match segs {
        [user, "post", code, ..] if user.starts_with('@') => {
            PostUrl::new("threads", Some(user), Some(code))
        }
        [user, ..] if user.starts_with('@') => PostUrl::new("threads", Some(user), None),
        _ => return None,
    })
}

/// Mastodon runs on any host; its post URLs are `/@user/ID` with a numeric
/// id (or `/users/user/statuses/ID`). A bare `/@user` is too common a shape
/// on other sites to be taken as Mastodon.
fn mastodon(host: &str, segs: &[&str]) -> Option<PostUrl> {
    let (user, id) = match segs {
        [user, id] if user.starts_with('@') && numeric(id).is_some() => (*user, *id),
        ["users", user, "statuses", id] if numeric(id).is_some() => (*user, *id),
        _ => return None,
    };
    let user = user.trim_start_matches('@');
    // `@user@other.instance` is a remote account seen from this instance.
    let handle = if user.contains('@') {
        user.to_string()
    } else {
        format!("{user}@{host}")
    };
    Some(PostUrl::new("mastodon", Some(&handle), Some(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(url: &str) -> (String, Option<String>, Option<String>) {
        let p = parse_post_url(url).unwrap_or_else(|| panic!("{url} not parsed"));
        (p.platform.to_string(), p.handle, p.post_id)
    }

    fn t(
        platform: &str,
        handle: Option<&str>,
        id: Option<&str>,
    ) -> (String, Option<String>, Option<String>) {
        (
            platform.to_string(),
            handle.map(str::to_string),
            id.map(str::to_string),
        )
    }

    #[test]
    fn snowflakes_give_the_exact_post_time() {
        // The example tweet of X's API documentation: "created_at": "Wed Oct 10 20:19:24 +0000 2018".
        let d = twitter_snowflake_time(1_050_118_621_198_921_728).unwrap();
        assert_eq!(
            d.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "2018-10-10T20:19:24.211Z"
        );
        assert!(d.method.contains(">> 22"), "{}", d.method);
        let d = twitter_snowflake_time(1_445_078_208_190_291_968).unwrap();
        assert_eq!(
            d.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "2021-10-04T17:27:47.744Z"
        );
        // The snowflake epoch itself, and pre-snowflake sequential ids.
        assert_eq!(
            twitter_snowflake_time(60_000 << 22)
                .unwrap()
                .at
                .timestamp_millis(),
            TWITTER_EPOCH_MS + 60_000
        );
        assert_eq!(twitter_snowflake_time(20), None);
        assert_eq!(twitter_snowflake_time(29_700_859_247), None);
        assert!(
            twitter_snowflake_time(u64::MAX).is_some(),
            "no overflow on hostile ids"
        );
    }

    #[test]
    fn tiktok_ids_give_seconds() {
        let d = tiktok_id_time(6_718_335_390_845_095_173).unwrap();
        assert_eq!(d.at.to_rfc3339(), "2019-07-27T13:32:33+00:00");
        let d = tiktok_id_time(7_106_594_312_292_453_675).unwrap();
        assert_eq!(d.at.to_rfc3339(), "2022-06-07T20:15:27+00:00");
        assert_eq!(tiktok_id_time(12345), None);
        assert_eq!(tiktok_id_time(u64::MAX), None);
    }

    #[test]
    fn platform_urls_are_parsed() {
        let cases = [
            (
                "https://x.com/troll_01/status/1050118621198921728",
                t("x", Some("troll_01"), Some("1050118621198921728")),
            ),
            (
                "https://twitter.com/Troll_01/status/1050118621198921728/photo/1?s=20",
                t("x", Some("Troll_01"), Some("1050118621198921728")),
            ),
            (
                "https://mobile.twitter.com/a_b/statuses/99",
                t("x", Some("a_b"), Some("99")),
            ),
            (
                "https://x.com/i/web/status/1050118621198921728",
                t("x", None, Some("1050118621198921728")),
            ),
            ("https://x.com/troll_01", t("x", Some("troll_01"), None)),
            (
                "https://www.facebook.com/perfil.falso/posts/9",
                t("facebook", Some("perfil.falso"), Some("9")),
            ),
            (
                "https://m.facebook.com/story.php?story_fbid=123&id=456",
                t("facebook", Some("456"), Some("123")),
            ),
            (
                "https://www.facebook.com/permalink.php?story_fbid=pfbid0abc&id=100",
                t("facebook", Some("100"), Some("pfbid0abc")),
            ),
            (
                "https://www.facebook.com/groups/vecinos/posts/777/",
                t("facebook", None, Some("777")),
            ),
            (
                "https://www.facebook.com/perfil.falso",
                t("facebook", Some("perfil.falso"), None),
            ),
            (
                "https://www.instagram.com/p/Cx1_abc-Z/",
                t("instagram", None, Some("Cx1_abc-Z")),
            ),
            (
                "https://www.instagram.com/reel/Cx1abc/?igsh=1",
                t("instagram", None, Some("Cx1abc")),
            ),
            (
                "https://www.instagram.com/cuenta.falsa/",
                t("instagram", Some("cuenta.falsa"), None),
            ),
            (
                "https://www.tiktok.com/@troll/video/6718335390845095173?lang=es",
                t("tiktok", Some("troll"), Some("6718335390845095173")),
            ),
            (
                "https://www.tiktok.com/@troll",
                t("tiktok", Some("troll"), None),
            ),
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1",
                t("youtube", None, Some("dQw4w9WgXcQ")),
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ",
                t("youtube", None, Some("dQw4w9WgXcQ")),
            ),
            (
                "https://www.youtube.com/shorts/abc123",
                t("youtube", None, Some("abc123")),
            ),
            (
                "https://www.youtube.com/@canal",
                t("youtube", Some("canal"), None),
            ),
            (
                "https://t.me/canal_falso/1234",
                t("telegram", Some("canal_falso"), Some("1234")),
            ),
            (
                "https://t.me/s/canal_falso/1234",
                t("telegram", Some("canal_falso"), Some("1234")),
            ),
            (
                "https://bsky.app/profile/troll.bsky.social/post/3kabc2xyz",
                t("bluesky", Some("troll.bsky.social"), Some("3kabc2xyz")),
            ),
            (
                "https://mastodon.social/@troll/111222333444555666",
                t(
                    "mastodon",
                    Some("troll@mastodon.social"),
                    Some("111222333444555666"),
                ),
            ),
            (
                "https://mastodon.social/@troll@other.example/111",
                t("mastodon", Some("troll@other.example"), Some("111")),
            ),
            (
                "https://social.example/users/troll/statuses/42",
                t("mastodon", Some("troll@social.example"), Some("42")),
            ),
            (
                "https://www.threads.net/@troll/post/C1abc",
                t("threads", Some("troll"), Some("C1abc")),
            ),
            (
                "https://www.threads.com/@troll",
                t("threads", Some("troll"), None),
            ),
        ];
        for (url, want) in cases {
            assert_eq!(p(url), want, "{url}");
        }
    }

    #[test]
    fn times_come_only_from_ids_that_hold_them() {
        let x = parse_post_url("https://x.com/a/status/1050118621198921728").unwrap();
        assert_eq!(x.posted_at.unwrap().at.timestamp(), 1_539_202_764);
        let tt = parse_post_url("https://www.tiktok.com/@a/video/6718335390845095173").unwrap();
        assert_eq!(tt.posted_at.unwrap().at.timestamp(), 1_564_234_353);
        assert_eq!(
            parse_post_url("https://x.com/a/status/12")
                .unwrap()
                .posted_at,
            None
        );
        assert_eq!(
            parse_post_url("https://x.com/a/status/abc")
                .unwrap()
                .post_id,
            None
        );
    }

    #[test]
    fn other_urls_are_not_posts() {
        for url in [
            "https://example.org/@user",
            "https://medium.com/@user/some-title-1a2b3c",
            "https://x.com/home",
            "https://x.com/",
            "https://t.me/joinchat/abc",
            "https://bsky.app/",
            "ftp://x.com/a/status/1",
            "not a url",
        ] {
            assert_eq!(parse_post_url(url), None, "{url}");
        }
    }
}
