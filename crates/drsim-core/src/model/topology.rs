//! Topology: regions contain zones, zones contain sites; links join sites.
//!
//! Names are what users write; ids are what the simulation indexes by. A [`Topology`] is built
//! from a [`TopologySpec`] once, and every reference in it (a zone's region, a site's zone, a
//! link's ends) is checked then.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::link::{LinkError, LinkSpec};

/// Index of a region in its [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub u32);
/// Index of a zone in its [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ZoneId(pub u32);
/// Index of a site in its [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(pub u32);
/// Index of a link in its [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(pub u32);

/// A zone (a data centre, an availability zone) and the region it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    /// The zone's name.
    pub name: String,
    /// The region it is in.
    pub region: String,
}

/// A site: where a copy of the service runs (or could run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    /// The site's name.
    pub name: String,
    /// The zone it is in.
    pub zone: String,
    /// Instances running there in steady state.
    #[serde(default)]
    pub instances_running: u32,
    /// Instances the service needs for full production capacity.
    #[serde(default)]
    pub instances_needed: u32,
}

/// The state of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SiteState {
    /// Running.
    Up,
    /// Failed, or inside a failed zone or region.
    Down,
    /// Being brought (back) into service.
    Recovering,
}

/// A deployment's places and the links between them, as data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologySpec {
    /// Region names.
    pub regions: Vec<String>,
    /// Zones, each in a region.
    pub zones: Vec<ZoneSpec>,
    /// Sites, each in a zone.
    pub sites: Vec<SiteSpec>,
    /// Links between sites.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
}

/// Why a topology was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// Two things of one kind share a name.
    #[error("topology: duplicate {kind} name {name:?} (names must be unique among {kind}s)")]
    Duplicate {
        /// "region", "zone", "site" or "link".
        kind: &'static str,
        /// The name used twice.
        name: String,
    },
    /// A reference to something that does not exist.
    #[error("topology: {what} refers to unknown {kind} {name:?} (known: {known})")]
    Unknown {
        /// What holds the reference, e.g. `zone "eu-a" region`.
        what: String,
        /// "region", "zone" or "site".
        kind: &'static str,
        /// The unknown name.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// An empty name.
    #[error("topology: a {kind} has an empty name")]
    EmptyName {
        /// "region", "zone" or "site".
        kind: &'static str,
    },
    /// A link is invalid.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// An instance count beyond what a simulation can launch one by one.
    #[error("topology: site {site:?}: {field} = {value} is not allowed (at most {MAX_INSTANCES})")]
    TooManyInstances {
        /// The site.
        site: String,
        /// `instances_running` or `instances_needed`.
        field: &'static str,
        /// The value refused.
        value: u32,
    },
}

/// The largest instance count a site may declare: recovery launches instances one unit at a
/// time, so a count in the billions would never finish.
pub const MAX_INSTANCES: u32 = 1_000_000;

/// A validated topology.
#[derive(Clone, Debug)]
pub struct Topology {
    spec: TopologySpec,
    zone_region: Vec<RegionId>,
    site_zone: Vec<ZoneId>,
    link_ends: Vec<(SiteId, SiteId)>,
    by_name: HashMap<(u8, String), u32>,
}

const REGION: u8 = 0;
const ZONE: u8 = 1;
const SITE: u8 = 2;

fn spec_links(spec: &TopologySpec) -> String {
    spec.links.iter().map(|l| format!("{}->{}", l.from, l.to)).collect::<Vec<_>>().join(", ")
}

impl Topology {
    /// Checks `spec` and indexes it.
    pub fn new(spec: TopologySpec) -> Result<Self, TopologyError> {
        let mut by_name = HashMap::new();
        let mut add = |kind: u8, label: &'static str, name: &str, idx: usize| {
            if name.is_empty() {
                return Err(TopologyError::EmptyName { kind: label });
            }
            if by_name.insert((kind, name.to_string()), idx as u32).is_some() {
                return Err(TopologyError::Duplicate { kind: label, name: name.to_string() });
            }
            Ok(())
        };
        for (i, r) in spec.regions.iter().enumerate() {
            add(REGION, "region", r, i)?;
        }
        for (i, z) in spec.zones.iter().enumerate() {
            add(ZONE, "zone", &z.name, i)?;
        }
        for (i, s) in spec.sites.iter().enumerate() {
            add(SITE, "site", &s.name, i)?;
            for (field, value) in [("instances_running", s.instances_running), ("instances_needed", s.instances_needed)]
            {
                if value > MAX_INSTANCES {
                    return Err(TopologyError::TooManyInstances { site: s.name.clone(), field, value });
                }
            }
        }
        let known = |names: Vec<&str>| names.join(", ");
        let lookup = |kind: u8, label: &'static str, name: &str, what: String, known_names: String| {
            by_name.get(&(kind, name.to_string())).copied().ok_or_else(|| TopologyError::Unknown {
                what,
                kind: label,
                name: name.to_string(),
                known: known_names,
            })
        };
        let region_names = known(spec.regions.iter().map(String::as_str).collect());
        let zone_names = known(spec.zones.iter().map(|z| z.name.as_str()).collect());
        let site_names = known(spec.sites.iter().map(|s| s.name.as_str()).collect());
        let zone_region = spec
            .zones
            .iter()
            .map(|z| {
                lookup(REGION, "region", &z.region, format!("zone {:?}", z.name), region_names.clone()).map(RegionId)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let site_zone = spec
            .sites
            .iter()
            .map(|s| lookup(ZONE, "zone", &s.zone, format!("site {:?}", s.name), zone_names.clone()).map(ZoneId))
            .collect::<Result<Vec<_>, _>>()?;
        let mut link_ends = Vec::with_capacity(spec.links.len());
        let mut seen = std::collections::HashSet::new();
        for l in &spec.links {
            l.validate()?;
            let what = format!("link {}->{}", l.from, l.to);
            let from = lookup(SITE, "site", &l.from, what.clone(), site_names.clone())?;
            let to = lookup(SITE, "site", &l.to, what.clone(), site_names.clone())?;
            if !seen.insert((from, to)) {
                return Err(TopologyError::Duplicate { kind: "link", name: what });
            }
            link_ends.push((SiteId(from), SiteId(to)));
        }
        Ok(Topology { spec, zone_region, site_zone, link_ends, by_name })
    }

    /// The data it was built from.
    pub fn spec(&self) -> &TopologySpec {
        &self.spec
    }

    /// A copy with the link `from → to` edited by `edit`, checked again (a sweep over a link's
    /// bandwidth or latency without rebuilding the topology by hand).
    ///
    /// ```
    /// # let scenario = drsim_core::trial::TwoRegions::default().scenario();
    /// let topology = scenario.deployment.topology.with_link("P", "S", |l| l.bandwidth_bytes_per_s = 200e6)?;
    /// let l = topology.link("P", "S").unwrap();
    /// assert_eq!(topology.link_spec(l).bandwidth_bytes_per_s, 200e6);
    /// # Ok::<(), drsim_core::model::TopologyError>(())
    /// ```
    pub fn with_link(
        &self,
        from: &str,
        to: &str,
        edit: impl FnOnce(&mut crate::model::LinkSpec),
    ) -> Result<Topology, TopologyError> {
        let mut spec = self.spec.clone();
        let known = || spec_links(&self.spec);
        let Some(link) = spec.links.iter_mut().find(|l| l.from == from && l.to == to) else {
            return Err(TopologyError::Unknown {
                what: "with_link".into(),
                kind: "link",
                name: format!("{from}->{to}"),
                known: known(),
            });
        };
        edit(link);
        Topology::new(spec)
    }
    /// Number of regions.
    pub fn region_count(&self) -> usize {
        self.spec.regions.len()
    }
    /// Number of zones.
    pub fn zone_count(&self) -> usize {
        self.spec.zones.len()
    }
    /// Number of sites.
    pub fn site_count(&self) -> usize {
        self.spec.sites.len()
    }
    /// Number of links.
    pub fn link_count(&self) -> usize {
        self.spec.links.len()
    }
    /// The region with this name.
    pub fn region(&self, name: &str) -> Option<RegionId> {
        self.by_name.get(&(REGION, name.to_string())).map(|&i| RegionId(i))
    }
    /// The zone with this name.
    pub fn zone(&self, name: &str) -> Option<ZoneId> {
        self.by_name.get(&(ZONE, name.to_string())).map(|&i| ZoneId(i))
    }
    /// The site with this name.
    pub fn site(&self, name: &str) -> Option<SiteId> {
        self.by_name.get(&(SITE, name.to_string())).map(|&i| SiteId(i))
    }
    /// The link from `from` to `to`.
    pub fn link(&self, from: &str, to: &str) -> Option<LinkId> {
        let (f, t) = (self.site(from)?, self.site(to)?);
        self.link_ends.iter().position(|&e| e == (f, t)).map(|i| LinkId(i as u32))
    }
    /// A site's description.
    pub fn site_spec(&self, s: SiteId) -> &SiteSpec {
        &self.spec.sites[s.0 as usize]
    }
    /// A link's description.
    pub fn link_spec(&self, l: LinkId) -> &LinkSpec {
        &self.spec.links[l.0 as usize]
    }
    /// The zone a site is in.
    pub fn zone_of(&self, s: SiteId) -> ZoneId {
        self.site_zone[s.0 as usize]
    }
    /// The region a zone is in.
    pub fn region_of_zone(&self, z: ZoneId) -> RegionId {
        self.zone_region[z.0 as usize]
    }
    /// The region a site is in.
    pub fn region_of(&self, s: SiteId) -> RegionId {
        self.region_of_zone(self.zone_of(s))
    }
    /// The two ends of a link.
    pub fn link_ends(&self, l: LinkId) -> (SiteId, SiteId) {
        self.link_ends[l.0 as usize]
    }
    /// All site ids.
    pub fn sites(&self) -> impl Iterator<Item = SiteId> + '_ {
        (0..self.spec.sites.len() as u32).map(SiteId)
    }
    /// All link ids.
    pub fn links(&self) -> impl Iterator<Item = LinkId> + '_ {
        (0..self.spec.links.len() as u32).map(LinkId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn two_regions() -> TopologySpec {
        TopologySpec {
            regions: vec!["A".into(), "B".into()],
            zones: vec![
                ZoneSpec { name: "a1".into(), region: "A".into() },
                ZoneSpec { name: "b1".into(), region: "B".into() },
            ],
            sites: vec![
                SiteSpec { name: "P".into(), zone: "a1".into(), instances_running: 8, instances_needed: 8 },
                SiteSpec { name: "S".into(), zone: "b1".into(), instances_running: 2, instances_needed: 8 },
            ],
            links: vec![],
        }
    }

    #[test]
    fn indexes_names_and_containment() {
        let t = Topology::new(two_regions()).unwrap();
        let p = t.site("P").unwrap();
        assert_eq!(t.region_of(p), t.region("A").unwrap());
        assert_eq!(t.zone_of(t.site("S").unwrap()), t.zone("b1").unwrap());
        assert_eq!(t.site("nope"), None);
    }

    #[test]
    fn unknown_and_duplicate_names_are_refused_with_the_name() {
        let mut spec = two_regions();
        spec.sites[1].zone = "c9".into();
        let e = Topology::new(spec).unwrap_err().to_string();
        assert!(e.contains("site \"S\"") && e.contains("\"c9\"") && e.contains("a1, b1"), "{e}");
        let mut spec = two_regions();
        spec.zones[1].name = "a1".into();
        assert!(matches!(Topology::new(spec), Err(TopologyError::Duplicate { kind: "zone", .. })));
        let mut spec = two_regions();
        spec.regions[0].clear();
        assert!(matches!(Topology::new(spec), Err(TopologyError::EmptyName { kind: "region" })));
        let mut spec = two_regions();
        spec.sites[0].instances_needed = 4_000_000_000;
        let e = Topology::new(spec).unwrap_err().to_string();
        assert!(e.contains("instances_needed = 4000000000") && e.contains("at most 1000000"), "{e}");
    }
}
