fn main() {
    let args: Vec<String> = std::env::args().collect();
    let s = detente_formats::detect::load(std::path::Path::new(&args[1])).unwrap().scenario;
    let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000_000);
    println!("{}", detente_core::analysis::rect_sets_probe(s.space(), &s.preferences(), n));
}
