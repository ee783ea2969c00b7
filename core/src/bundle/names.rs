//! Entry names that would extract differently on another machine: two names
//! that one file system takes for the same file (letter case on macOS and
//! Windows, Unicode NFC and NFD forms, Windows dropping trailing dots and
//! spaces), a path that is both a file and a folder (`a` and `a/b`, or `a`
//! and a folder entry `a/`), and name parts longer than file systems allow.
//! Such an archive cannot be checked by hand the way `VERIFY.txt` says
//! (`unzip` overwrites or fails), so `verify` refuses it.
//!
//! Main item: [`collisions`].

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::error::Message;

/// Longest part of a path (between `/`) that common file systems hold, in bytes.
pub const MAX_NAME_PART: usize = 255;

/// The name as a case-insensitive, normalising file system sees it.
fn fold(name: &str) -> String {
    name.trim_end_matches('/')
        .split('/')
        .map(|part| {
            let part: String = part.nfc().collect::<String>().to_lowercase();
            part.trim_end_matches(['.', ' ']).to_string()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Finds names that clash once extracted. `names` are `(name, is_dir)` in
/// archive order; exact duplicates are left to the caller. Returns the
/// entry at fault with the reason.
pub fn collisions<'a>(names: impl Iterator<Item = (&'a str, bool)>) -> Vec<(String, Message)> {
    let mut out = Vec::new();
    // Folded path → the first name seen there, and whether it is a folder.
    let mut seen: HashMap<String, (&str, bool)> = HashMap::new();
    let mut folders: HashMap<String, &str> = HashMap::new();
    let mut all = Vec::new();
    for (name, is_dir) in names {
        if let Some(part) = name.split('/').find(|p| p.len() > MAX_NAME_PART) {
            out.push((
                name.to_string(),
                Message::new(
                    format!(
                        "a part of its name is {} bytes long, over the {MAX_NAME_PART} that file systems allow",
                        part.len()
                    ),
                    format!(
                        "una parte de su nombre mide {} bytes, más de los {MAX_NAME_PART} que admiten los sistemas de archivos",
                        part.len()
                    ),
                ),
            ));
        }
        let key = fold(name);
        let is_dir = is_dir || name.ends_with('/');
        match seen.get(&key) {
            Some((first, _)) if *first == name => {}
            Some((first, first_dir)) => {
                let (en, es) = if *first_dir != is_dir {
                    (
                        "is both a file and a folder",
                        "es a la vez un archivo y una carpeta",
                    )
                } else {
                    (
                        "names the same file on macOS or Windows (letter case, accents or trailing dots differ); one would overwrite the other",
                        "nombra el mismo archivo en macOS o Windows (difieren mayúsculas, acentos o puntos finales); uno sobrescribiría al otro",
                    )
                };
                out.push((
                    name.to_string(),
                    Message::new(format!("{en}: `{first}`"), format!("{es}: `{first}`")),
                ));
            }
            None => {
                seen.insert(key.clone(), (name, is_dir));
            }
        }
        // Every folder the entry sits in.
        let mut at = 0;
        while let Some(i) = key[at..].find('/') {
            folders.entry(key[..at + i].to_string()).or_insert(name);
            at += i + 1;
        }
        if !is_dir {
            all.push((key, name));
        }
    }
    for (key, name) in all {
        if let Some(inside) = folders.get(&key) {
            out.push((
                name.to_string(),
                Message::new(
                    format!("is a file, but `{inside}` is inside a folder of that name"),
                    format!(
                        "es un archivo, pero `{inside}` está dentro de una carpeta con ese nombre"
                    ),
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clashing(names: &[&str]) -> Vec<String> {
        collisions(names.iter().map(|n| (*n, n.ends_with('/'))))
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    #[test]
    fn names_that_one_file_system_merges_clash() {
        assert_eq!(
            clashing(&["b/data/A.png", "b/data/a.png"]),
            ["b/data/a.png"]
        );
        assert_eq!(
            clashing(&["b/se\u{f1}al", "b/sen\u{303}al"]),
            ["b/sen\u{303}al"]
        );
        assert_eq!(clashing(&["b/x.png", "b/x.png. "]), ["b/x.png. "]);
        assert_eq!(clashing(&["b/x.png", "b/x.png/"]), ["b/x.png/"]);
        assert_eq!(clashing(&["b/x.png/", "b/x.png"]), ["b/x.png"]);
        assert_eq!(clashing(&["b/x", "b/x/y"]), ["b/x"]);
        assert_eq!(clashing(&["b/X", "b/x/y"]), ["b/X"]);
        let long = format!("b/{}", "ñ".repeat(128));
        assert_eq!(clashing(&[long.as_str()]), std::slice::from_ref(&long));
        assert!(clashing(&["b/a.png", "b/b.png", "b/data/x", "b/data/y"]).is_empty());
    }
}
