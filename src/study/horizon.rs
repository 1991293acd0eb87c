//! Years of operation through the study: every strategy over the same horizon runs (the
//! study's range, seed and threads), summarised by [`run_horizons`](crate::horizon::run_horizons).

use super::{Study, StudyError, drive};
use crate::horizon::{HorizonSpec, HorizonSummary};

/// One strategy's horizon runs.
#[derive(Clone, Debug)]
pub struct StrategyHorizon {
    /// Its label.
    pub name: String,
    /// Its kind (`"custom"` for a strategy added in code).
    pub kind: String,
    /// Its runs' summary (independent of the thread count).
    pub summary: HorizonSummary,
}

impl Study {
    /// Runs horizon trials (years of operation with every failure process active, `spec`
    /// usually the scenario's `[horizon]`) for every strategy over the study's range (default
    /// `0..trials`), seed and threads; run `i` of every strategy faces the same failures.
    ///
    /// ```
    /// use drsim::study::Study;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
    /// let study = Study::from_path(path)?.trials(20).seed(7);
    /// let spec = study.scenario().horizon.clone().expect("compare.toml has a [horizon]");
    /// let horizons = study.run_horizons(&spec)?;
    /// assert_eq!(horizons.len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_horizons(&self, spec: &HorizonSpec) -> Result<Vec<StrategyHorizon>, StudyError> {
        let (start, end) = self.bounds();
        if start > end {
            return Err(StudyError::Setting {
                field: "range",
                value: format!("{start}..{end}"),
                allowed: "start <= end",
            });
        }
        let pool = drive::pool(self)?;
        self.entries
            .iter()
            .zip(self.disaster_trials()?)
            .map(|(e, trial)| {
                let run = || crate::horizon::run_horizons(&trial, spec, self.seed, start..end);
                let summary = match &pool {
                    Some(p) => p.install(run),
                    None => run(),
                }
                .map_err(|source| StudyError::Trial { name: e.name.clone(), source })?;
                Ok(StrategyHorizon { name: e.name.clone(), kind: e.kind.clone(), summary })
            })
            .collect()
    }
}
