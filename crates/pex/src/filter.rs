//! Field filters (PE v2.0 §5.1.1 `filter`): JSON Schema descriptors compiled once.
//!
//! Filters are compiled with the `jsonschema` crate without its network and file resolvers and in
//! offline mode, so that evaluating a definition never fetches anything.

use serde_json::Value;

/// PE v2.0 §10.1: filters are JSON Schema draft-handrews-json-schema-02 (2019-09) unless they
/// name their own `$schema`. `format` is asserted (the DIF examples filter on `date` and
/// `date-time`), and nothing is ever fetched: `offline()` holds even if another crate enables the
/// crate's HTTP resolver through feature unification. Patterns are read with ECMA-262 Annex B
/// braces (see [`annex_b_braces`]).
pub(crate) fn compile_filter(schema: &Value) -> Result<jsonschema::Validator, String> {
    let mut options = jsonschema::options()
        .offline()
        .should_validate_formats(true);
    if schema.get("$schema").is_none() {
        options = options.with_draft(jsonschema::Draft::Draft201909);
    }
    let fixes = pattern_fixes(schema);
    if fixes.is_empty() {
        return options.build(schema).map_err(|e| e.to_string());
    }
    let mut normalized = schema.clone();
    for (path, pattern) in fixes {
        if let Some(slot) = path.iter().try_fold(&mut normalized, |v, step| match step {
            PathStep::Key(k) => v.get_mut(k.as_str()),
            PathStep::Index(i) => v.get_mut(*i),
        }) {
            *slot = Value::String(pattern);
        }
    }
    options.build(&normalized).map_err(|e| e.to_string())
}

/// A step from a schema to one of its members.
#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// The `pattern` keywords of `schema` that [`annex_b_braces`] rewrites: their position and their
/// new value. Values of `const`, `enum`, `default` and `examples` are data and left alone.
fn pattern_fixes(schema: &Value) -> Vec<(Vec<PathStep>, String)> {
    fn walk(value: &Value, path: &mut Vec<PathStep>, out: &mut Vec<(Vec<PathStep>, String)>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if matches!(key.as_str(), "const" | "enum" | "default" | "examples") {
                        continue;
                    }
                    path.push(PathStep::Key(key.clone()));
                    match child {
                        Value::String(pattern) if key == "pattern" => {
                            if let std::borrow::Cow::Owned(fixed) = annex_b_braces(pattern) {
                                out.push((path.clone(), fixed));
                            }
                        }
                        _ => walk(child, path, out),
                    }
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(schema, &mut Vec::new(), &mut out);
    out
}

/// ECMA-262 Annex B (B.1.2) reads a `{` that does not start a quantifier (`{n}`, `{n,}`,
/// `{n,m}`) as a literal brace, and so do the JavaScript implementations definitions are written
/// for; the regex engines here refuse it. The DIF examples rely on it (`[0-9]{10-12}`). This
/// escapes such braces (and lone `}`) outside character classes; every other pattern is
/// returned unchanged.
pub(crate) fn annex_b_braces(pattern: &str) -> std::borrow::Cow<'_, str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut changed = false;
    let mut in_class = false;
    let mut quantifier_end = None;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                out.push(c);
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => match quantifier_length(chars.get(i..).unwrap_or(&[])) {
                Some(len) => quantifier_end = Some(i + len - 1),
                None => {
                    out.push_str("\\{");
                    changed = true;
                    i += 1;
                    continue;
                }
            },
            '}' if !in_class && quantifier_end != Some(i) => {
                out.push_str("\\}");
                changed = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(pattern)
    }
}

/// The length of the quantifier `{n}`, `{n,}` or `{n,m}` at the start of `chars`, if it is one.
fn quantifier_length(chars: &[char]) -> Option<usize> {
    let mut i = 1;
    let digits = |from: usize| {
        chars
            .iter()
            .skip(from)
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let first = digits(i);
    if first == 0 {
        return None;
    }
    i += first;
    if chars.get(i) == Some(&',') {
        i += 1;
        i += digits(i);
    }
    (chars.get(i) == Some(&'}')).then_some(i + 1)
}

/// The filter's top-level `pattern`, compiled, when it has exactly one capture group.
pub(crate) fn single_capture(schema: &Value) -> Option<fancy_regex::Regex> {
    let pattern = schema.get("pattern")?.as_str()?;
    let regex = fancy_regex::Regex::new(&annex_b_braces(pattern)).ok()?;
    (regex.captures_len() == 2).then_some(regex)
}

#[cfg(test)]
mod tests;
