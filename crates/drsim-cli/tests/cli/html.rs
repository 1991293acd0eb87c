//! `drsim report` and `drsim run --html`: the HTML is well formed (html5ever's parser, through
//! `scraper`, reports no error), holds every strategy and every number of the JSON summaries it
//! was made from, and escapes every user string. The browser test (headless Chromium:
//! screenshot, PDF, no network, no console error) is `scripts/browser-report.sh`.

use std::path::PathBuf;
use std::process::Output;

use crate::tmp;

fn scenarios() -> PathBuf {
    crate::scenario("")
}

fn drsim(args: &[&str]) -> Output {
    let o = crate::drsim(args);
    assert!(o.status.success(), "drsim {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Every scalar of a JSON value, as the JSON writes it.
fn scalars(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => m.values().for_each(|x| scalars(x, out)),
        serde_json::Value::Array(a) => a.iter().for_each(|x| scalars(x, out)),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        _ => {}
    }
}

fn parse_without_errors(html: &str) -> scraper::Html {
    let doc = scraper::Html::parse_document(html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    doc
}

/// The report of a mix (ransomware.toml: five strategies, two disaster kinds, costs), from
/// `drsim report` with a horizon: well formed, every strategy named, every number of every
/// summary (overall and per disaster) present; a section per disaster kind; no script, no
/// external resource.
#[test]
fn the_report_holds_every_strategy_and_every_number() {
    let run = tmp("mix.json");
    let out = tmp("mix.html");
    let sc = scenarios().join("ransomware.toml");
    drsim(&["run", sc.to_str().unwrap(), "--trials", "300", "--seed", "3", "--json", run.to_str().unwrap()]);
    drsim(&["report", run.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(&out).unwrap();
    let doc = parse_without_errors(&html);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&run).unwrap()).unwrap();
    let text: String = doc.root_element().text().collect();
    for s in json["strategies"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        assert!(text.contains(name), "strategy {name} missing");
        let mut numbers = vec![];
        scalars(&s["summary"], &mut numbers);
        scalars(&s["by_disaster"], &mut numbers);
        assert!(numbers.len() > 100);
        for n in numbers {
            assert!(text.contains(&n), "{name}: {n} missing");
        }
    }
    for sel in ["script", "link", "img", "iframe", "object"] {
        let s = scraper::Selector::parse(sel).unwrap();
        assert_eq!(doc.select(&s).count(), 0, "<{sel}> in a self-contained report");
    }
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert_eq!(html.replace("http://www.w3.org/2000/svg", "").matches("://").count(), 0);
    let sections = scraper::Selector::parse("section.disaster h2").unwrap();
    let kinds: Vec<String> = doc.select(&sections).map(|e| e.text().collect()).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    for needle in ["Pareto front", "no clean recovery point", "log scale", "Strategies and their copies", "V: snapshot"]
    {
        assert!(text.contains(needle), "{needle} missing");
    }
    assert_eq!(doc.select(&scraper::Selector::parse("p.recommendation").unwrap()).count(), 1);
}

/// With a horizon run's JSON: its section, with each strategy's availability in nines.
#[test]
fn a_horizon_run_adds_its_section() {
    let sc = scenarios().join("compare.toml");
    let (run, hz, out) = (tmp("c.json"), tmp("c-horizon.json"), tmp("c.html"));
    drsim(&["run", sc.to_str().unwrap(), "--trials", "100", "--json", run.to_str().unwrap()]);
    drsim(&["horizon", sc.to_str().unwrap(), "--trials", "4", "--json", hz.to_str().unwrap()]);
    drsim(&["report", run.to_str().unwrap(), "--horizon", hz.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let doc = parse_without_errors(&std::fs::read_to_string(&out).unwrap());
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("Years of operation"));
    let h: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&hz).unwrap()).unwrap();
    for e in h["strategies"].as_array().unwrap() {
        let nines = e["nines"].as_f64().map_or("never down".to_string(), |n| format!("{n:.2}"));
        assert!(text.contains(&nines), "{nines}");
    }
    // A horizon run of another scenario is refused, naming both files.
    let other = tmp("other-horizon.json");
    let sc2 = tmp("edited-compare.toml");
    std::fs::write(&sc2, std::fs::read_to_string(&sc).unwrap() + "\n# edited\n").unwrap();
    drsim(&["horizon", sc2.to_str().unwrap(), "--trials", "2", "--json", other.to_str().unwrap()]);
    let o = crate::drsim(&[
        "report",
        run.to_str().unwrap(),
        "--horizon",
        other.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("another scenario") && err.contains("edited-compare.toml"), "{err}");
}

/// Hostile names — markup, quotes, newlines — come out as text, never as markup.
#[test]
fn user_strings_are_escaped() {
    let base = std::fs::read_to_string(scenarios().join("compare.toml")).unwrap();
    let evil = "<script>alert(\"x\")</script> & 'q'\nline";
    let in_toml = evil.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    let edited = base.replacen("name = \"backup & restore\"", &format!("name = \"{in_toml}\""), 1);
    assert_ne!(edited, base, "compare.toml names its backup & restore strategy");
    let sc = tmp("evil.toml");
    std::fs::write(&sc, edited).unwrap();
    let out = tmp("evil.html");
    drsim(&["run", sc.to_str().unwrap(), "--trials", "50", "--html", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(&out).unwrap();
    let doc = parse_without_errors(&html);
    assert_eq!(doc.select(&scraper::Selector::parse("script").unwrap()).count(), 0);
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"));
    let text: String = doc.root_element().text().collect();
    assert!(text.contains(evil));
}

/// `--plot` draws log axes by default and linear ones on request.
#[test]
fn plots_are_logarithmic_unless_asked() {
    let sc = scenarios().join("compare.toml");
    let (log, lin) = (tmp("log.svg"), tmp("lin.svg"));
    drsim(&["run", sc.to_str().unwrap(), "--trials", "50", "--plot", log.to_str().unwrap()]);
    drsim(&["run", sc.to_str().unwrap(), "--trials", "50", "--plot", lin.to_str().unwrap(), "--linear"]);
    let (log, lin) = (std::fs::read_to_string(log).unwrap(), std::fs::read_to_string(lin).unwrap());
    assert!(log.contains("RTO (log scale)") && log.contains(">1 h<"), "{}", &log[..400]);
    assert!(lin.contains("RTO (min)") || lin.contains("RTO (h)"));
}
