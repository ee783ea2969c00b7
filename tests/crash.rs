//! Crash safety: `kill -9` at any moment of an import leaves a vault that
//! opens, passes `check`, and keeps every item reported as done.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use image::ImageFormat;

use crate::support::{Env, write_image};

#[test]
fn killing_an_import_at_random_points_loses_nothing_reported() {
    let env = Env::new();
    env.case("c");
    let mut seed: u64 = 0x5eed;
    let mut rand = move |below: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % below
    };
    let mut reported = Vec::new();
    for round in 0..10u64 {
        for i in 0..12 {
            write_image(
                &env,
                &format!("r{round}/{i}.png"),
                900,
                600,
                round * 100 + i,
                ImageFormat::Png,
            );
        }
        let dir = env.path(&format!("r{round}"));
        let mut child = env
            .command(&["add", dir.to_str().unwrap(), "--case", "c"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let mut seen = String::new();
        if round % 2 == 0 {
            // Kill right after the k-th item is reported, while others are in flight.
            let k = 1 + rand(10) as usize;
            let mut buf = [0u8; 1];
            while seen.matches("added  ").count() < k && stderr.read(&mut buf).unwrap_or(0) == 1 {
                seen.push(buf[0] as char);
            }
        } else {
            // Kill at a random moment, from start-up to the end of the batch.
            std::thread::sleep(Duration::from_millis(rand(700)));
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        seen.push_str(&rest);
        for line in seen.lines() {
            if let Some(rest) = line.strip_prefix("added  ") {
                reported.push(rest.split_whitespace().next().unwrap().to_string());
            }
        }
        let check = env.json(&["check"]);
        assert_eq!(check["ok"], true, "round {round}: {check}");
        let listed: Vec<String> = env
            .json(&["list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        for id in &reported {
            assert!(
                listed.contains(id),
                "round {round}: reported item {id} is gone"
            );
        }
    }
    // The next import sweeps whatever the kills left behind.
    let again = write_image(&env, "last.png", 300, 200, 9999, ImageFormat::Png);
    env.add(&again, "c", &[]);
    let check = env.json(&["check"]);
    assert_eq!(check["ok"], true);
    assert_eq!(check["notes"], serde_json::json!([]), "{check}");
}
