//! `verify` stays within a fixed memory budget whatever a bundle holds: a
//! `report.json` that parses into gigabytes, one that inflates to
//! gigabytes, a manifest of millions of lines, a huge `bag-info.txt`, a
//! directory of many entries, and the same inside an age file. Each runs
//! `testigo verify` in a child process whose peak resident memory (VmHWM in
//! `/proc/PID/status`) must stay under [`BUDGET_KB`], under an address-space
//! limit (`prlimit --as`) so a regression fails instead of exhausting the
//! machine; the verdict must be invalid and name the file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;

use flate2::{Compress, Compression, FlushCompress};

use crate::support::Env;

/// The budget: 256 MiB, in kB as `/proc` counts.
const BUDGET_KB: u64 = 256 * 1024;
/// The address-space limit the child runs under (2 GiB).
const ADDRESS_SPACE: &str = "--as=2147483648";

/// A deflate stream of `head`, then `body` `times` over, then `tail`,
/// compressed once (blocks end on a full flush, so they can be repeated),
/// with its CRC-32 and uncompressed size.
fn deflate_repeated(head: &[u8], body: &[u8], times: usize, tail: &[u8]) -> (Vec<u8>, u32, u64) {
    let piece = |data: &[u8], flush: FlushCompress| {
        let mut c = Compress::new(Compression::fast(), false);
        let mut out = Vec::with_capacity(data.len() + 1024);
        c.compress_vec(data, &mut out, flush).unwrap();
        out
    };
    let head_z = piece(head, FlushCompress::Full);
    let body_z = piece(body, FlushCompress::Full);
    let tail_z = piece(tail, FlushCompress::Finish);
    let mut z = head_z;
    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    for _ in 0..times {
        z.extend_from_slice(&body_z);
        crc.update(body);
    }
    z.extend_from_slice(&tail_z);
    crc.update(tail);
    let size = (head.len() + body.len() * times + tail.len()) as u64;
    (z, crc.finalize(), size)
}

/// One entry of a hand-written archive: name, method, CRC, declared size,
/// and the stored bytes.
struct Raw {
    name: String,
    method: u16,
    crc: u32,
    size: u64,
    data: Vec<u8>,
}

impl Raw {
    fn stored(name: &str, data: &[u8]) -> Raw {
        Raw {
            name: name.into(),
            method: 0,
            crc: crc32fast::hash(data),
            size: data.len() as u64,
            data: data.to_vec(),
        }
    }
}

/// A plain ZIP (no ZIP64: every size under 4 GiB) of `entries`, written by hand so
/// sizes can be declared as given.
fn raw_zip(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let header = |sig: &[u8], central: bool| {
            let mut h = sig.to_vec();
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&0x0800u16.to_le_bytes());
            h.extend_from_slice(&e.method.to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]);
            h.extend_from_slice(&e.crc.to_le_bytes());
            h.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            h.extend_from_slice(&u32::try_from(e.size).unwrap().to_le_bytes());
            h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central {
                // Comment length, disk, internal and external attributes.
                h.extend_from_slice(&[0; 6]);
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(e.name.as_bytes());
            h
        };
        out.extend(header(b"PK\x03\x04", false));
        out.extend_from_slice(&e.data);
        central.extend(header(b"PK\x01\x02", true));
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = entries.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A bag `b/` whose `rel` is the given deflated entry.
fn bag_with(rel: &str, data: Vec<u8>, crc: u32, size: u64) -> Vec<u8> {
    raw_zip(&[
        Raw::stored(
            "b/bagit.txt",
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        ),
        Raw {
            name: format!("b/{rel}"),
            method: 8,
            crc,
            size,
            data,
        },
    ])
}

/// Random single digits, comma separated: about one JSON value per two bytes.
fn digits(n: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = Vec::with_capacity(n * 2);
    for _ in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push(b'0' + (state % 10) as u8);
        out.push(b',');
    }
    out
}

/// Runs `testigo verify FILE --json ARGS` under the address-space limit;
/// returns its peak resident memory in kB, exit code and report.
fn measured_verify(
    env: &Env,
    file: &Path,
    extra: &[&str],
) -> (u64, Option<i32>, serde_json::Value) {
    let out_path = env.path("verify-out.json");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new("prlimit")
        .arg(ADDRESS_SPACE)
        .arg(env!("CARGO_BIN_EXE_testigo"))
        .args(["verify", file.to_str().unwrap(), "--json"])
        .args(extra)
        .env("LANG", "C")
        .env_remove("TESTIGO_LANG")
        .env("TESTIGO_VAULT", env.path("no-vault"))
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let text = std::fs::read_to_string(&out_path).unwrap();
    let report = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (peak, status.code(), report)
}

fn assert_bounded(env: &Env, what: &str, file: &Path, extra: &[&str], names: &str) {
    let (peak, code, r) = measured_verify(env, file, extra);
    eprintln!("{what}: peak {} MiB", peak / 1024);
    assert_eq!(
        code,
        Some(1),
        "{what}: verify did not finish with a verdict: {r}"
    );
    assert_eq!(r["status"], "invalid", "{what}: {r}");
    let problems = r["problems"].to_string();
    assert!(
        problems.contains(names),
        "{what}: no problem names {names}: {problems}"
    );
    assert!(
        peak < BUDGET_KB,
        "{what}: verify took {} MiB, over the budget of {} MiB",
        peak / 1024,
        BUDGET_KB / 1024
    );
}

#[test]
fn verify_stays_within_its_memory_budget_whatever_the_bundle_holds() {
    let env = Env::empty();
    let put = |name: &str, bytes: &[u8]| {
        let p = env.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut hostile: Vec<(&str, std::path::PathBuf, &str)> = Vec::new();

    // 30 MiB of JSON numbers (about 15 million values), deflated about 4:1.
    let chunk = digits(512 * 1024);
    let (z, crc, size) = deflate_repeated(b"[", &chunk, 30, b"0]");
    let numbers = bag_with("data/report.json", z, crc, size);
    hostile.push((
        "report.json of 15 million numbers",
        put("numbers.zip", &numbers),
        "data/report.json",
    ));
    // 200 MiB of them, declared honestly.
    let (z, crc, size) = deflate_repeated(b"[", &chunk, 200, b"0]");
    hostile.push((
        "report.json of 100 million numbers",
        put(
            "more-numbers.zip",
            &bag_with("data/report.json", z, crc, size),
        ),
        "data/report.json",
    ));
    // 4 GiB of zeros in about 4 MiB: declared honestly (a zip bomb), and
    // declared as 30 MiB (a lying header).
    let zeros = b"0,".repeat(1 << 19);
    let (z, crc, size) = deflate_repeated(b"[", &zeros, 4095, b"0]");
    hostile.push((
        "report.json of 4 GiB of zeros",
        put(
            "zeros.zip",
            &bag_with("data/report.json", z.clone(), crc, size),
        ),
        "data/report.json",
    ));
    hostile.push((
        "report.json of 4 GiB of zeros declared as 30 MiB",
        put("liar.zip", &bag_with("data/report.json", z, crc, 30 << 20)),
        "data/report.json",
    ));
    // A manifest of about eight million lines (15 MiB, each unreadable),
    // and a 4 MiB bag-info.txt.
    let lines: Vec<u8> = digits(512 * 1024)
        .into_iter()
        .map(|b| if b == b',' { b'\n' } else { b })
        .collect();
    let (z, crc, size) = deflate_repeated(b"", &lines, 15, b"");
    hostile.push((
        "manifest-sha256.txt of eight million lines",
        put(
            "manifest.zip",
            &bag_with("manifest-sha256.txt", z, crc, size),
        ),
        "manifest-sha256.txt",
    ));
    let info = digits(64 * 1024);
    let (z, crc, size) = deflate_repeated(b"Contact-Name: ", &info, 32, b"\n");
    hostile.push((
        "bag-info.txt of 4 MiB",
        put("info.zip", &bag_with("bag-info.txt", z, crc, size)),
        "bag-info.txt",
    ));
    // 60,000 entries with long names (a 13 MiB directory), none accounted
    // for. (Under 65,536, so the plain end record counts them all.)
    let mut many = vec![Raw::stored("b/bagit.txt", b"BagIt-Version: 1.0\n")];
    for i in 0..60_000 {
        many.push(Raw::stored(
            &format!(
                "b/data/evidence/{i:026}-a-long-file-name-as-screenshots-have-{}.png",
                "x".repeat(100)
            ),
            b"",
        ));
    }
    hostile.push((
        "60,000 entries",
        put("many.zip", &raw_zip(&many)),
        "tagmanifest-sha256.txt",
    ));

    for (what, file, names) in &hostile {
        assert_bounded(&env, what, file, &[], names);
    }

    // The same inside an age file.
    let identity = age::x25519::Identity::generate();
    let id_file = env.path("id.txt");
    {
        use age::secrecy::ExposeSecret;
        std::fs::write(&id_file, identity.to_string().expose_secret()).unwrap();
    }
    let recipient = age::x25519::Recipient::from_str(&identity.to_public().to_string()).unwrap();
    let encrypt = |plain: &[u8], name: &str| {
        let p = env.path(name);
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let mut w = enc.wrap_output(std::fs::File::create(&p).unwrap()).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap();
        p
    };
    let id = id_file.to_str().unwrap();
    let aged = encrypt(&numbers, "numbers.zip.age");
    assert_bounded(
        &env,
        "age: report.json of 15 million numbers",
        &aged,
        &["--identity", id],
        "data/report.json",
    );
    let aged = encrypt(&std::fs::read(&hostile[4].1).unwrap(), "manifest.zip.age");
    assert_bounded(
        &env,
        "age: manifest of eight million lines",
        &aged,
        &["--identity", id],
        "manifest-sha256.txt",
    );
    let aged = encrypt(&raw_zip(&many), "many.zip.age");
    assert_bounded(
        &env,
        "age: 60,000 entries",
        &aged,
        &["--identity", id],
        "tagmanifest-sha256.txt",
    );
}
