use super::*;
use proptest::prelude::*;

#[test]
fn parses_examples() {
    let s: Scope =
        "connect:project:demo:r connect:fleet:demo/edge-eu:rw connect:device:demo/d-feaf-d9aa:rwd"
            .parse()
            .unwrap();
    assert_eq!(s.items().len(), 3);
    assert!(s.is_custom());
    assert_eq!(
        s.to_string(),
        "connect:project:demo:r connect:fleet:demo/edge-eu:rw connect:device:demo/d-feaf-d9aa:rwd"
    );
    assert_eq!(s.summary(), "Custom: project demo r (+2)");
    assert_eq!(
        "applied-permissions/admin"
            .parse::<Scope>()
            .unwrap()
            .summary(),
        "Admin"
    );
    assert_eq!(
        "applied-permissions/user"
            .parse::<Scope>()
            .unwrap()
            .summary(),
        "User"
    );
    let g: Scope = r#"applied-permissions/groups:"group 1",b"#.parse().unwrap();
    assert_eq!(g.items().len(), 1);
}

#[test]
fn same_target_merges() {
    let s: Scope = "connect:fleet:demo/a:r connect:fleet:demo/a:d"
        .parse()
        .unwrap();
    assert_eq!(s.to_string(), "connect:fleet:demo/a:rd");
}

#[test]
fn coverage_follows_hierarchy() {
    let p: Scope = "connect:project:demo:r".parse().unwrap();
    let dev = ResourcePath::device("demo", "edge", "d-1");
    assert!(p.covers(dev, Action::Read));
    assert!(!p.covers(dev, Action::Write));
    assert!(!p.covers(ResourcePath::device("other", "edge", "d-1"), Action::Read));
    let f: Scope = "connect:fleet:demo/edge:w".parse().unwrap();
    assert!(f.covers(dev, Action::Write));
    assert!(!f.covers(ResourcePath::device("demo", "lab", "d-2"), Action::Write));
    assert!(!f.covers(ResourcePath::project("demo"), Action::Write));
    let d: Scope = "connect:device:demo/d-1:d".parse().unwrap();
    assert!(d.covers(dev, Action::Delete));
    assert!(!d.covers(ResourcePath::device("demo", "edge", "d-2"), Action::Delete));
    assert!(Scope::admin().covers(dev, Action::Delete));
    assert!(!Scope::user().covers(dev, Action::Read));
}

#[test]
fn rejects_bad_items_with_messages() {
    let cases = [
        ("", "empty"),
        ("   ", "empty"),
        ("connect:project:demo:", "no permission"),
        ("connect:project:demo:rr", "repeated"),
        ("connect:project:demo:x", "unknown permission"),
        ("connect:galaxy:demo:r", "entity kind"),
        ("connect:fleet:demo:r", "<project_key>/<fleet>"),
        ("connect:device:demo/a/b:r", "device id"),
        ("connect:device:demo/a:b:r", "connect:<project"),
        ("connect:project:Demo:r", "project key"),
        ("hello", "not recognised"),
        ("applied-permissions/groups:\"a", "quote"),
    ];
    for (input, needle) in cases {
        let err = input.parse::<Scope>().unwrap_err().to_string();
        assert!(err.contains(needle), "{input:?} -> {err}");
    }
    let long = "connect:project:demo:r ".repeat(30);
    assert!(matches!(
        long.parse::<Scope>(),
        Err(ScopeError::TooLong { .. })
    ));
}

#[test]
fn hostile_input_never_panics() {
    let inputs = [
        "x".repeat(10_000),
        "\u{1b}[2J".into(),
        "connect:device:demo/\u{202e}abc:r".into(),
        "connect:device:demo/漢字:r".into(),
        ":::::".into(),
        "connect:".into(),
        "connect:fleet:/:r".into(),
    ];
    for i in inputs {
        let r = i.parse::<Scope>();
        assert!(r.is_err(), "{i:?}");
        assert!(!r.unwrap_err().to_string().contains('\u{1b}'));
    }
}

fn arb_item() -> impl Strategy<Value = ScopeItem> {
    let key = "[a-z][a-z0-9-]{1,20}";
    let name = "[A-Za-z0-9._-]{1,20}";
    let acts = (any::<bool>(), any::<bool>(), any::<bool>())
        .prop_filter("non-empty", |(r, w, d)| *r || *w || *d)
        .prop_map(|(read, write, delete)| Actions {
            read,
            write,
            delete,
        });
    prop_oneof![
        Just(ScopeItem::Admin),
        Just(ScopeItem::User),
        (key, acts.clone()).prop_map(|(p, a)| ScopeItem::Connect {
            target: EntityRef::Project { project: p },
            actions: a
        }),
        (key, name, acts.clone()).prop_map(|(p, f, a)| ScopeItem::Connect {
            target: EntityRef::Fleet {
                project: p,
                fleet: f
            },
            actions: a
        }),
        (key, name, acts).prop_map(|(p, d, a)| ScopeItem::Connect {
            target: EntityRef::Device {
                project: p,
                device: d
            },
            actions: a
        }),
    ]
}

proptest! {
    #[test]
    fn display_parse_round_trips(items in proptest::collection::vec(arb_item(), 1..6)) {
        let mut scope = Scope::default();
        for it in items {
            match it {
                ScopeItem::Connect { target, actions } => scope.grant(target, actions),
                other => if !scope.items.contains(&other) { scope.items.push(other) },
            }
        }
        let text = scope.to_string();
        prop_assume!(text.len() <= MAX_SCOPE_LEN);
        let back: Scope = text.parse().unwrap();
        prop_assert_eq!(back, scope);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        let _ = s.parse::<Scope>();
    }
}
