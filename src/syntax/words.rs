//! stub
pub fn parse_words(_rest: &str, _escape: char) -> Vec<String> { todo!() }
pub fn split_key_values() {}
