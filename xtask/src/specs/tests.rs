//! The spec stage's tests: locating, verifying and fetching releases.

use super::fetch::*;
use super::lock::*;
use super::*;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// A miniature release: two v2 specs, a v3 spec, each surface's common schemas, and things to
/// ignore.
fn fake_release(dir: &Path) {
    for (rel, body) in [
        ("apps/blogs.json", "{\"blogs\":1}"),
        ("apps/contacts.json", "{\"contacts\":2}"),
        ("common/common-schemas.json", "{\"common\":3}"),
        ("apps/v3/blogs-v3.json", "{\"v3\":true}"),
        ("apps/v3/common/common-schemas.json", "{\"common\":4}"),
        ("apps/v3/examples/post.json", "{\"example\":5}"),
        ("apps/README.md", "not a spec"),
    ] {
        let path = join_rel(dir, rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }
}

fn fake_lock(dir: &Path) -> Lock {
    Lock::from_dir("GoHighLevel/highlevel-api-docs", COMMIT, dir).unwrap()
}

/// The input files of [`fake_release`], sorted.
const ALL_INPUTS: [&str; 5] = [
    "apps/blogs.json",
    "apps/contacts.json",
    "apps/v3/blogs-v3.json",
    "apps/v3/common/common-schemas.json",
    "common/common-schemas.json",
];

fn paths(files: &[SpecFile]) -> Vec<&str> {
    files.iter().map(|file| file.path.as_str()).collect()
}

#[test]
fn from_dir_hashes_only_input_files_sorted() {
    let tmp = tempfile::tempdir().unwrap();
    fake_release(tmp.path());
    let lock = fake_lock(tmp.path());
    let listed: Vec<&str> = lock.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(listed, ALL_INPUTS);
    assert_eq!(lock.files[0].sha256, sha256_hex(b"{\"blogs\":1}"));
    // Known vector, so the hex encoding itself is checked too.
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn lock_round_trip_is_deterministic_and_sorted() {
    let tmp = tempfile::tempdir().unwrap();
    fake_release(tmp.path());
    let lock = fake_lock(tmp.path());
    let mut shuffled = lock.clone();
    shuffled.files.reverse();

    let a = tmp.path().join("out/a.lock.toml");
    let b = tmp.path().join("out/b.lock.toml");
    lock.write(&a).unwrap();
    shuffled.write(&b).unwrap();
    let text = fs::read_to_string(&a).unwrap();
    assert_eq!(text, fs::read_to_string(&b).unwrap());
    assert!(text.starts_with("# "), "{text}");
    assert!(
        text.contains("`cargo xtask specs update` rewrites"),
        "{text}"
    );
    assert_eq!(Lock::read(&a).unwrap(), lock);
    // No temp files left next to the lock.
    let names: Vec<_> = fs::read_dir(tmp.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn read_names_the_file_on_bad_toml_and_bad_values() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.lock.toml");
    fs::write(&path, "upstream = [unclosed").unwrap();
    let error = format!("{:#}", Lock::read(&path).unwrap_err());
    assert!(error.contains("bad.lock.toml"), "{error}");

    // Parses, but the path would escape the cache directory.
    fs::write(
        &path,
        format!(
            "upstream = \"a/b\"\ncommit = \"{COMMIT}\"\n[[files]]\npath = \"../x.json\"\nsha256 = \"{}\"\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    let error = format!("{:#}", Lock::read(&path).unwrap_err());
    assert!(
        error.contains("bad.lock.toml") && error.contains("../x.json"),
        "{error}"
    );

    fs::write(&path, "upstream = \"a/b\"\ncommit = \"main\"\nfiles = []\n").unwrap();
    let error = format!("{:#}", Lock::read(&path).unwrap_err());
    assert!(error.contains("commit `main`"), "{error}");
}

#[test]
fn locate_order_explicit_then_env_then_shared_then_download() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("main");
    fs::create_dir_all(&root).unwrap();
    let explicit = Path::new("/explicit");
    let env = OsStr::new("/from-env");

    assert_eq!(locate(&root, None, None), Source::Download);
    assert_eq!(locate(&root, None, Some(OsStr::new(""))), Source::Download);

    let shared = tmp.path().join("shared/specs/highlevel-api-docs");
    fs::create_dir_all(&shared).unwrap();
    let Source::Dir { dir, .. } = locate(&root, None, None) else {
        panic!("shared checkout not found");
    };
    assert_eq!(dir, fs::canonicalize(&shared).unwrap());

    let Source::Dir { dir, from } = locate(&root, None, Some(env)) else {
        panic!("env ignored");
    };
    assert_eq!(
        (dir.as_path(), from),
        (Path::new("/from-env"), SPECS_DIR_ENV)
    );

    let Source::Dir { dir, from } = locate(&root, Some(explicit), Some(env)) else {
        panic!("explicit ignored");
    };
    assert_eq!((dir.as_path(), from), (explicit, "--specs"));
}

#[test]
fn verify_accepts_matching_files_and_ignores_unlisted_ones() {
    let tmp = tempfile::tempdir().unwrap();
    fake_release(tmp.path());
    let mut lock = fake_lock(tmp.path());
    lock.files
        .retain(|file| !file.path.contains("contacts") && !file.path.contains("v3"));
    let files = verify_dir(&lock, tmp.path()).unwrap();
    assert_eq!(
        paths(&files),
        ["apps/blogs.json", "common/common-schemas.json"]
    );
    assert_eq!(files[0].bytes, b"{\"blogs\":1}");
}

#[test]
fn verify_reports_missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    fake_release(tmp.path());
    let lock = fake_lock(tmp.path());
    fs::remove_file(tmp.path().join("apps/contacts.json")).unwrap();
    let error = verify_dir(&lock, tmp.path()).unwrap_err().to_string();
    assert!(error.contains("apps/contacts.json: missing"), "{error}");
    assert!(error.contains(&lock.files[1].sha256), "{error}");
    assert!(error.contains("different release"), "{error}");
    assert!(error.contains("cargo xtask specs update"), "{error}");
}

#[test]
fn verify_reports_tampered_file_with_both_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    fake_release(tmp.path());
    let lock = fake_lock(tmp.path());
    fs::write(tmp.path().join("apps/blogs.json"), "{\"blogs\":666}").unwrap();
    let error = verify_dir(&lock, tmp.path()).unwrap_err().to_string();
    assert!(error.contains("apps/blogs.json"), "{error}");
    assert!(error.contains(&lock.files[0].sha256), "{error}");
    assert!(error.contains(&sha256_hex(b"{\"blogs\":666}")), "{error}");
    assert!(error.contains(COMMIT), "{error}");
    // One changed file and nothing else: not worth calling it another release.
    assert!(!error.contains("different release"), "{error}");

    // A new spec the lock doesn't know, plus a change: that is what a newer release looks like.
    fs::write(tmp.path().join("apps/new-thing.json"), "{}").unwrap();
    let error = verify_dir(&lock, tmp.path()).unwrap_err().to_string();
    assert!(error.contains("different release"), "{error}");
    assert!(error.contains("apps/new-thing.json"), "{error}");
}

#[test]
fn inputs_are_the_specs_of_both_surfaces_and_their_common_schemas() {
    for path in ALL_INPUTS {
        assert!(is_input(path), "{path}");
    }
    for path in [
        "apps/v3/examples/post.json",
        "apps/v3/common/other.json",
        "apps/README.md",
        "apps/.json",
        "common/other.json",
        "docs/apps/blogs.json",
    ] {
        assert!(!is_input(path), "{path}");
    }
    assert!(is_common("apps/v3/common/common-schemas.json"));
    assert!(!is_common("apps/v3/blogs-v3.json"));
}

#[test]
fn load_unlocked_reads_all_input_files() {
    let tmp = tempfile::tempdir().unwrap();
    fake_release(tmp.path());
    let set = load_unlocked(tmp.path()).unwrap();
    assert_eq!(set.commit, None);
    assert_eq!(paths(&set.files), ALL_INPUTS);
    // v3 specs without their common schemas cannot be generated: say which file is missing.
    fs::remove_file(tmp.path().join("apps/v3/common/common-schemas.json")).unwrap();
    let error = format!("{:#}", load_unlocked(tmp.path()).unwrap_err());
    assert!(
        error.contains("apps/v3/common/common-schemas.json is missing"),
        "{error}"
    );
    let error = format!("{:#}", load_unlocked(&tmp.path().join("nope")).unwrap_err());
    assert!(error.contains("nope"), "{error}");
}

#[test]
fn load_locked_with_explicit_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("specs-dir");
    fake_release(&specs);
    let root = tmp.path().join("ws");
    fake_lock(&specs).write(&root.join(LOCK_FILE)).unwrap();
    let set = load_locked(&root, Some(&specs)).unwrap();
    assert_eq!(set.commit.as_deref(), Some(COMMIT));
    assert_eq!(set.files.len(), ALL_INPUTS.len());
    assert!(set.origin.contains("specs-dir"), "{}", set.origin);

    let error = format!(
        "{:#}",
        load_locked(&root, Some(&tmp.path().join("absent"))).unwrap_err()
    );
    assert!(
        error.contains("absent") && error.contains("--specs"),
        "{error}"
    );
}

/// The committed lock describes the shared checkout exactly, and agrees with its
/// SHA256SUMS. Skipped where the checkout isn't present.
#[test]
fn committed_lock_matches_shared_checkout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = root.join(SHARED_CHECKOUT);
    if !shared.is_dir() {
        eprintln!("skipped: no shared checkout at {}", shared.display());
        return;
    }
    let lock = Lock::read(&root.join(LOCK_FILE)).unwrap();
    assert_eq!(lock.upstream, UPSTREAM);
    assert_eq!(
        lock,
        Lock::from_dir(&lock.upstream, &lock.commit, &shared).unwrap()
    );
    // 41 v2 specs and 42 v3 specs, each surface's common schemas, 58 webhook event pages and
    // the scope table.
    assert_eq!(lock.files.len(), 144);
    let sums = fs::read_to_string(shared.join("SHA256SUMS")).unwrap();
    for file in &lock.files {
        let line = format!("{}  ./{}", file.sha256, file.path);
        assert!(sums.lines().any(|l| l == line), "{line} not in SHA256SUMS");
    }
    // And the committed lock is exactly what `write` produces.
    assert_eq!(
        fs::read_to_string(root.join(LOCK_FILE)).unwrap(),
        lock.to_toml().unwrap()
    );
}

/// Serves files below `root` over plain HTTP on loopback. Returns the base URL.
fn serve(root: PathBuf, max_requests: usize) -> String {
    crate::test_http::serve(max_requests, move |target| {
        fs::read(join_rel(&root, target.trim_matches('/'))).ok()
    })
}

/// A server root laid out like raw.githubusercontent.com for [`COMMIT`], and the lock.
fn served_release(tmp: &Path) -> (PathBuf, Lock) {
    let release = tmp.join("www/GoHighLevel/highlevel-api-docs").join(COMMIT);
    fake_release(&release);
    let lock = fake_lock(&release);
    (release, lock)
}

/// Everything in the cache root, so tests can assert nothing partial was left.
fn cache_entries(cache: &Path) -> Vec<String> {
    match fs::read_dir(cache) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn download_fills_cache_then_reuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, lock) = served_release(tmp.path());
    let base = serve(tmp.path().join("www"), ALL_INPUTS.len());
    let cache = tmp.path().join("target/spec-cache");

    let files = fetch_into_cache(&lock, &format!("{base}/"), &cache).unwrap();
    assert_eq!(files.len(), ALL_INPUTS.len());
    assert_eq!(cache_entries(&cache), [COMMIT]);
    assert!(verify_dir(&lock, &cache.join(COMMIT)).is_ok());

    // The server has served its requests; a second run must come from the cache alone.
    let again = fetch_into_cache(&lock, "http://127.0.0.1:9", &cache).unwrap();
    assert_eq!(paths(&again), paths(&files));

    // A damaged cache is not trusted: it is downloaded again and replaced.
    fs::write(cache.join(COMMIT).join("apps/blogs.json"), "junk").unwrap();
    let base = serve(tmp.path().join("www"), ALL_INPUTS.len());
    fetch_into_cache(&lock, &base, &cache).unwrap();
    assert!(verify_dir(&lock, &cache.join(COMMIT)).is_ok());
    assert_eq!(cache_entries(&cache), [COMMIT]);
}

#[test]
fn tampered_download_fails_and_caches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (release, lock) = served_release(tmp.path());
    fs::write(release.join("apps/contacts.json"), "{\"evil\":1}").unwrap();
    let base = serve(tmp.path().join("www"), 3);
    let cache = tmp.path().join("target/spec-cache");

    let error = format!("{:#}", fetch_into_cache(&lock, &base, &cache).unwrap_err());
    assert!(error.contains("apps/contacts.json"), "{error}");
    assert!(error.contains(&lock.files[1].sha256), "{error}");
    assert!(error.contains(&sha256_hex(b"{\"evil\":1}")), "{error}");
    assert!(
        error.contains(&format!(
            "{base}/GoHighLevel/highlevel-api-docs/{COMMIT}/apps/contacts.json"
        )),
        "{error}"
    );
    assert!(
        cache_entries(&cache).is_empty(),
        "{:?}",
        cache_entries(&cache)
    );
}

#[test]
fn missing_download_fails_with_url_and_status() {
    let tmp = tempfile::tempdir().unwrap();
    let (release, lock) = served_release(tmp.path());
    fs::remove_file(release.join("common/common-schemas.json")).unwrap();
    let base = serve(tmp.path().join("www"), ALL_INPUTS.len());
    let cache = tmp.path().join("target/spec-cache");

    let error = format!("{:#}", fetch_into_cache(&lock, &base, &cache).unwrap_err());
    let url = format!("{base}/GoHighLevel/highlevel-api-docs/{COMMIT}/common/common-schemas.json");
    assert!(error.contains(&url), "{error}");
    assert!(error.contains("404"), "{error}");
    assert!(error.contains("common/common-schemas.json"), "{error}");
    assert!(
        cache_entries(&cache).is_empty(),
        "{:?}",
        cache_entries(&cache)
    );
}

#[test]
fn loopback_detection() {
    assert!(is_loopback("http://127.0.0.1:8080"));
    assert!(is_loopback("http://localhost/"));
    assert!(is_loopback("http://[::1]:1"));
    assert!(!is_loopback("https://raw.githubusercontent.com"));
    assert!(!is_loopback("http://localhost.example.com"));
}
