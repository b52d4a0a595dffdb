//! scratch
use super::*;
#[test]
fn scratch() {
    pest::set_error_detail(true);
    for input in [
        "on x { rule a { emit b } \n on y { }",
        "on x { rule a when { } }",
        "on x { rule a when b c { } }",
        "on x { rule a { emit } }",
        "on x { let a = [1, 2 3] }",
        "statuses { a b: c d ",
    ] {
        let e = DocketParser::parse(Rule::file, input).unwrap_err();
        let pa = e.parse_attempts().unwrap();
        println!("{input:?}\n  {:?}\n  tokens {:?}\n  pos {}", e.variant, pa.expected_tokens(), pa.max_position);
    }
}
