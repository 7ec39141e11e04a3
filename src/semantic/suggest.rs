//! Did-you-mean suggestions over known names, with tested thresholds.
