//! Integration tests of the `drsim` facade, in one binary (one link step, one process).
//!
//! - [`scenarios`]: every shipped scenario with `[[strategies]]` builds and runs, with
//!   consistent records and median RTOs inside the AWS DR whitepaper's bands.
//! - [`reference`]: the reference DR trial against an independent closed form.
//! - [`threads`]: results do not depend on the number of threads.
//! - [`params`]: bad strategy entries are refused with errors naming what is wrong.
//! - [`random_scenarios`]: random valid scenarios give finite, consistent records.
//! - [`corruption`]: logical disasters: clean points, retention, vaults, against closed forms.
//! - [`deployments`]: copies besides the standby and a disaster mix, against closed forms.
//! - [`stores`]: several data stores: the service RPO as the largest, restores, censoring.
//! - [`study`]: the study layer equals the lower-level runners, at any thread count.
//! - [`validation`]: every case of `drsim::validation` at 1,000 trials: none FAILs (4 SE).

mod common;
mod corruption;
mod deployments;
mod params;
mod random_scenarios;
mod reference;
mod scenarios;
mod stores;
mod study;
mod threads;
mod validation;
