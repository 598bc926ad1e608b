//! The distro of an image, from `_system.yaml`'s flavour rules.

use crate::profile::SystemRules;
use crate::profile::pattern::{capture_str, has_hole};

/// The distro family and release of an image (`alpine`, `debian`/`bookworm`, `distroless`),
/// from the shared flavour rules: tag words first, then the image name.
pub fn flavor_of(
    name: &str,
    tag: Option<&str>,
    system: &SystemRules,
) -> (Option<String>, Option<String>) {
    if let Some(tag) = tag {
        for word in tag.split('-') {
            for f in system.flavors.iter().filter(|f| f.word.is_some()) {
                let pattern = f.word.as_deref().unwrap_or_default();
                if let Some(c) = capture_str(pattern, word) {
                    let release = if has_hole(pattern) {
                        Some(c.to_string())
                    } else {
                        f.release.clone()
                    };
                    return (Some(f.family.clone()), release);
                }
            }
        }
    }
    for f in system.flavors.iter().filter(|f| f.image.is_some()) {
        if crate::profile::image_name_matches(f.image.as_deref().unwrap_or_default(), name) {
            let release = if f.release_from_tag {
                tag.filter(|t| *t != "latest").map(str::to_string)
            } else {
                f.release.clone()
            };
            return (Some(f.family.clone()), release);
        }
    }
    (None, None)
}
