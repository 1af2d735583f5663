//! `glyphs` and `refresh` through the pure `resolve`: flag > env > file > automatic choice, and
//! `config show` saying which glyph set and why.

use std::path::PathBuf;

use tokentab::config::{Env, Flags, Inputs, JfrogCliFiles, Source, resolve, show};
use tokentab::model::settings::GlyphSet;

fn inputs(file: Option<&str>, env: Env, flags: Flags) -> Inputs {
    Inputs {
        flags,
        env,
        config_path: PathBuf::from("/test/config.toml"),
        config_path_source: Some(Source::Default),
        config_text: file.map(str::to_string),
        jfrog: JfrogCliFiles {
            home: PathBuf::from("/test/.jfrog"),
            ..Default::default()
        },
        home: Some(PathBuf::from("/home/test")),
        default_data_dir: PathBuf::from("/test/data"),
    }
}

fn desktop() -> Env {
    Env::new()
        .with("LANG", "en_US.UTF-8")
        .with("TERM", "xterm-256color")
}

fn glyph_line(text: &str) -> String {
    text.lines()
        .find(|l| l.starts_with("glyphs:"))
        .unwrap_or_else(|| panic!("no glyphs line in:\n{text}"))
        .to_string()
}

#[test]
fn automatic_choice_follows_the_terminal_and_says_why() {
    let cases = [
        (desktop(), GlyphSet::Unicode, "UTF-8"),
        (desktop().with("TERM", "linux"), GlyphSet::Vt, "TERM=linux"),
        (
            desktop().with("TERM", "vt220"),
            GlyphSet::Ascii,
            "TERM=vt220",
        ),
        (desktop().with("LANG", "C"), GlyphSet::Ascii, "LANG=C"),
        (
            desktop().with("LANG", "C").with("LC_ALL", "en_US.UTF-8"),
            GlyphSet::Unicode,
            "UTF-8",
        ),
    ];
    for (env, want, why) in cases {
        let r = resolve(&inputs(None, env, Flags::default())).expect("resolves");
        assert_eq!(r.glyphs, want, "{}", r.glyphs_reason);
        let line = glyph_line(&show(&r));
        assert!(
            line.contains(want.name()) && line.contains(why) && line.contains("[default]"),
            "{line}"
        );
    }
}

#[test]
fn flag_beats_env_beats_file_beats_automatic() {
    let file = "glyphs = \"vt\"\nrefresh = 300\n";
    let linux = desktop().with("TERM", "linux");
    let r = resolve(&inputs(Some(file), desktop(), Flags::default())).expect("resolves");
    assert_eq!(
        (r.glyphs, r.source_of("glyphs")),
        (GlyphSet::Vt, &Source::File)
    );
    assert_eq!(r.refresh_secs, 300);

    let env = linux.clone().with("TOKENTAB_GLYPHS", "ascii");
    let r = resolve(&inputs(Some(file), env.clone(), Flags::default())).expect("resolves");
    assert_eq!(r.glyphs, GlyphSet::Ascii);
    assert_eq!(
        r.source_of("glyphs"),
        &Source::Env("TOKENTAB_GLYPHS".into())
    );

    let mut flags = Flags::default();
    flags.tui.glyphs = Some(GlyphSet::Unicode);
    flags.tui.refresh = Some(0);
    let r = resolve(&inputs(Some(file), env, flags)).expect("resolves");
    assert_eq!(r.glyphs, GlyphSet::Unicode);
    assert_eq!(r.source_of("glyphs"), &Source::Flag("--glyphs"));
    assert_eq!(r.refresh_secs, 0);
    let text = show(&r);
    assert!(text.contains("refresh:") && text.contains("off"), "{text}");

    let r = resolve(&inputs(None, desktop(), Flags::default())).expect("resolves");
    assert_eq!(
        r.refresh_secs, 60,
        "the quiet refresh stays at 60 s by default"
    );
}

#[test]
fn bad_values_are_named() {
    let env = desktop().with("TOKENTAB_GLYPHS", "fancy");
    let e = resolve(&inputs(None, env, Flags::default()))
        .expect_err("bad env value")
        .to_string();
    assert!(
        e.contains("TOKENTAB_GLYPHS") && e.contains("fancy") && e.contains("unicode, vt, ascii"),
        "{e}"
    );
    let e = resolve(&inputs(
        Some("glyphs = \"fancy\"\n"),
        desktop(),
        Flags::default(),
    ))
    .expect_err("bad file value")
    .to_string();
    assert!(e.contains("fancy"), "{e}");
}
