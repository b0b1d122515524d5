//! A tree-ensemble evaluator for xgboost regression models saved as JSON
//! (`Booster.save_model("model.json")`), in plain Rust with no C library behind it.
//!
//! # Exactness
//! It computes what xgboost's CPU predictor computes, in the same arithmetic: features as
//! `f32`; at a split, a missing value (NaN) takes the default branch, otherwise the row goes
//! left when `value < threshold` (both `f32`); the prediction is an `f32` sum started at the
//! base score, to which the leaf of each tree is added in tree order. Tests hold it to
//! `Booster.predict` within 1e-6 on every row, missing values included.
//!
//! # Layout
//! Trees up to depth [`MAX_PERFECT_DEPTH`] are stored as *perfect* binary trees of the
//! ensemble's depth, in heap order (node `i` has children `2i + 1` and `2i + 2`): a shallower
//! leaf is pushed down by splits whose two subtrees are the same leaf. Each tree is then a
//! fixed number of steps with no child pointers and no data-dependent branch (the direction
//! is arithmetic), and the ensemble is walked eight trees at a time so that their memory
//! loads overlap. Deeper models fall back to walking the trees node by node.
//!
//! # Supported models
//! `gbtree` boosters with an identity-link regression objective (`reg:squarederror`,
//! `reg:absoluteerror`, `reg:pseudohubererror`, `reg:squaredlogerror`, `reg:linear`), one
//! output, numerical splits, missing values as NaN (xgboost's default). Anything else is
//! refused with an error that says what.

use serde_json::Value;

use crate::error::{Result, StrategyError};

/// Deepest trees stored in the perfect layout; deeper ensembles are walked node by node.
pub const MAX_PERFECT_DEPTH: usize = 10;

/// Objectives whose prediction is the raw margin (identity link).
const IDENTITY_OBJECTIVES: &[&str] = &[
    "reg:squarederror",
    "reg:linear",
    "reg:absoluteerror",
    "reg:pseudohubererror",
    "reg:squaredlogerror",
];

const DEFAULT_LEFT: u32 = 1 << 31;
const FEATURE_MASK: u32 = !DEFAULT_LEFT;
const LANES: usize = 8;

/// One split of the perfect layout: feature index (bit 31: missing goes left) and
/// threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
struct Split {
    feature: u32,
    threshold: f32,
}

impl Split {
    /// 0 to go left, 1 to go right, without a branch.
    #[inline(always)]
    fn go_right(self, row: &[f32]) -> usize {
        let x = row[(self.feature & FEATURE_MASK) as usize];
        let left = (x < self.threshold) | (x.is_nan() & (self.feature & DEFAULT_LEFT != 0));
        usize::from(!left)
    }
}

/// A tree exactly as the JSON gives it: parallel arrays indexed by node id.
#[derive(Clone, Debug)]
struct RawTree {
    left: Vec<i32>,
    right: Vec<i32>,
    feature: Vec<u32>,
    condition: Vec<f32>,
    default_left: Vec<bool>,
    depth: usize,
}

impl RawTree {
    #[inline]
    fn is_leaf(&self, n: usize) -> bool {
        self.left[n] < 0
    }

    /// The leaf value for `row`, walking node by node (the reference evaluation).
    fn leaf_value(&self, row: &[f32]) -> f32 {
        let mut n = 0usize;
        while !self.is_leaf(n) {
            let x = row[self.feature[n] as usize];
            let go_left = if x.is_nan() {
                self.default_left[n]
            } else {
                x < self.condition[n]
            };
            n = if go_left { self.left[n] } else { self.right[n] } as usize;
        }
        self.condition[n]
    }

    /// Writes this tree into a perfect tree of `depth` levels.
    fn fill_perfect(&self, depth: usize, splits: &mut [Split], leaves: &mut [f32]) {
        let internal = (1usize << depth) - 1;
        // (raw node, perfect position, level)
        let mut stack = vec![(0usize, 0usize, 0usize)];
        while let Some((n, pos, level)) = stack.pop() {
            if level == depth {
                // only a leaf can reach the bottom level (depth >= the tree's depth)
                leaves[pos - internal] = self.condition[n];
                continue;
            }
            if self.is_leaf(n) {
                // push the leaf down: both subtrees are this leaf
                splits[pos] = Split {
                    feature: DEFAULT_LEFT,
                    threshold: 0.0,
                };
                stack.push((n, 2 * pos + 1, level + 1));
                stack.push((n, 2 * pos + 2, level + 1));
            } else {
                let dl = if self.default_left[n] {
                    DEFAULT_LEFT
                } else {
                    0
                };
                splits[pos] = Split {
                    feature: self.feature[n] | dl,
                    threshold: self.condition[n],
                };
                stack.push((self.left[n] as usize, 2 * pos + 1, level + 1));
                stack.push((self.right[n] as usize, 2 * pos + 2, level + 1));
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Layout {
    /// Every tree as a perfect tree of `depth` levels: `2^depth - 1` splits (in `2^depth`
    /// slots) and `2^depth` leaves a tree, trees one after the other.
    Perfect {
        depth: usize,
        splits: Vec<Split>,
        leaves: Vec<f32>,
    },
    /// Too deep for the perfect layout: walk the raw trees.
    Linked,
}

/// An xgboost regression model, ready to predict one row at a time.
///
/// ```
/// use venue_strategy::trees::TreeEnsemble;
/// // one tree: x0 < 0.5 ? 1.0 : 2.0 (missing goes right), base score 0.5
/// let json = r#"{"learner": {
///   "feature_names": ["x0"],
///   "learner_model_param": {"base_score": "[5E-1]", "num_feature": "1", "num_class": "0",
///                           "num_target": "1"},
///   "objective": {"name": "reg:squarederror"},
///   "gradient_booster": {"name": "gbtree", "model": {"tree_info": [0], "trees": [{
///     "left_children": [1, -1, -1], "right_children": [2, -1, -1],
///     "split_indices": [0, 0, 0], "split_conditions": [0.5, 1.0, 2.0],
///     "default_left": [0, 0, 0], "split_type": [0, 0, 0],
///     "tree_param": {"num_nodes": "3", "size_leaf_vector": "1"}}]}}}}"#;
/// let model = TreeEnsemble::from_json(json).unwrap();
/// assert_eq!(model.predict(&[0.2]).unwrap(), 1.5);
/// assert_eq!(model.predict(&[f32::NAN]).unwrap(), 2.5);
/// ```
#[derive(Clone, Debug)]
pub struct TreeEnsemble {
    num_features: usize,
    feature_names: Vec<String>,
    base_score: f32,
    objective: String,
    trees: Vec<RawTree>,
    layout: Layout,
}

impl TreeEnsemble {
    /// Parses a model saved by xgboost as JSON. The error names the JSON path of the first
    /// problem, or the unsupported feature.
    pub fn from_json(text: &str) -> Result<Self> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| model_err(format!("not valid JSON: {e}")))?;
        let learner = field(&root, "learner", "")?;
        let params = field(learner, "learner_model_param", "learner")?;
        let path = "learner.learner_model_param";
        let num_features = parse_usize(field(params, "num_feature", path)?, path, "num_feature")?;
        if num_features == 0 {
            return Err(model_err(format!("{path}.num_feature is 0")));
        }
        if num_features >= FEATURE_MASK as usize {
            return Err(model_err(format!(
                "{path}.num_feature = {num_features} is too large"
            )));
        }
        if let Some(v) = params.get("num_class") {
            let n = parse_usize(v, path, "num_class")?;
            if n > 1 {
                return Err(model_err(format!(
                    "{path}.num_class = {n}: only single-output regressors are supported"
                )));
            }
        }
        if let Some(v) = params.get("num_target") {
            let n = parse_usize(v, path, "num_target")?;
            if n > 1 {
                return Err(model_err(format!(
                    "{path}.num_target = {n}: only single-output regressors are supported"
                )));
            }
        }
        let base_score = parse_base_score(field(params, "base_score", path)?)?;

        let objective = field(
            field(learner, "objective", "learner")?,
            "name",
            "learner.objective",
        )?
        .as_str()
        .ok_or_else(|| model_err("learner.objective.name is not a string".into()))?
        .to_owned();
        if !IDENTITY_OBJECTIVES.contains(&objective.as_str()) {
            return Err(model_err(format!(
                "objective '{objective}' is not supported: only identity-link regression \
                 objectives ({}) predict the raw sum of the trees",
                IDENTITY_OBJECTIVES.join(", ")
            )));
        }

        let feature_names = match learner.get("feature_names") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        model_err(format!("learner.feature_names[{i}] is not a string"))
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(model_err("learner.feature_names is not an array".into())),
        };
        if !feature_names.is_empty() && feature_names.len() != num_features {
            return Err(model_err(format!(
                "learner.feature_names has {} names but num_feature is {num_features}",
                feature_names.len()
            )));
        }
        if let Some(Value::Array(types)) = learner.get("feature_types") {
            if let Some(i) = types.iter().position(|t| t.as_str() == Some("c")) {
                return Err(model_err(format!(
                    "learner.feature_types[{i}] is categorical: categorical features are not \
                     supported"
                )));
            }
        }

        let booster = field(learner, "gradient_booster", "learner")?;
        let name = booster.get("name").and_then(Value::as_str).unwrap_or("");
        if name != "gbtree" {
            return Err(model_err(format!(
                "learner.gradient_booster.name is '{name}': only 'gbtree' is supported"
            )));
        }
        let model = field(booster, "model", "learner.gradient_booster")?;
        let mpath = "learner.gradient_booster.model";
        if let Some(Value::Array(info)) = model.get("tree_info") {
            if let Some(i) = info.iter().position(|g| g.as_i64() != Some(0)) {
                return Err(model_err(format!(
                    "{mpath}.tree_info[{i}] is not 0: multi-output models are not supported"
                )));
            }
        }
        let trees_json = field(model, "trees", mpath)?
            .as_array()
            .ok_or_else(|| model_err(format!("{mpath}.trees is not an array")))?;
        let trees = trees_json
            .iter()
            .enumerate()
            .map(|(i, t)| parse_tree(t, &format!("{mpath}.trees[{i}]"), num_features))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::build(
            num_features,
            feature_names,
            base_score,
            objective,
            trees,
        ))
    }

    fn build(
        num_features: usize,
        feature_names: Vec<String>,
        base_score: f32,
        objective: String,
        trees: Vec<RawTree>,
    ) -> Self {
        let depth = trees.iter().map(|t| t.depth).max().unwrap_or(0);
        let layout = if depth <= MAX_PERFECT_DEPTH {
            let width = 1usize << depth;
            // `width` split slots a tree (the last unused) so both arrays have one stride
            let mut splits = vec![Split::default(); width * trees.len()];
            let mut leaves = vec![0f32; width * trees.len()];
            for (i, t) in trees.iter().enumerate() {
                t.fill_perfect(
                    depth,
                    &mut splits[i * width..(i + 1) * width],
                    &mut leaves[i * width..(i + 1) * width],
                );
            }
            Layout::Perfect {
                depth,
                splits,
                leaves,
            }
        } else {
            Layout::Linked
        };
        TreeEnsemble {
            num_features,
            feature_names,
            base_score,
            objective,
            trees,
            layout,
        }
    }

    /// Number of input features.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// The feature names saved with the model (empty if it was trained without names).
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The deepest tree's depth (a lone leaf has depth 0).
    pub fn depth(&self) -> usize {
        self.trees.iter().map(|t| t.depth).max().unwrap_or(0)
    }

    /// The base score the sum starts from.
    pub fn base_score(&self) -> f32 {
        self.base_score
    }

    /// The xgboost objective.
    pub fn objective(&self) -> &str {
        &self.objective
    }

    /// Whether the fast perfect-tree layout is in use (depth <= [`MAX_PERFECT_DEPTH`]).
    pub fn is_perfect_layout(&self) -> bool {
        matches!(self.layout, Layout::Perfect { .. })
    }

    /// Checks that the model's features are exactly `provided`, in order. The error lists
    /// what differs: counts, the first position that differs, names missing on either side.
    pub fn check_features<S: AsRef<str>>(&self, provided: &[S]) -> Result<()> {
        let provided: Vec<&str> = provided.iter().map(AsRef::as_ref).collect();
        if self.feature_names.is_empty() {
            return Err(StrategyError::FeatureMismatch(format!(
                "the model was saved without feature names, so its {} features cannot be \
                 checked against the {} provided; train it with named features",
                self.num_features,
                provided.len()
            )));
        }
        let model: Vec<&str> = self.feature_names.iter().map(String::as_str).collect();
        if model == provided {
            return Ok(());
        }
        let missing: Vec<&str> = model
            .iter()
            .filter(|n| !provided.contains(n))
            .copied()
            .collect();
        let extra: Vec<&str> = provided
            .iter()
            .filter(|n| !model.contains(n))
            .copied()
            .collect();
        let mut msg = format!(
            "the model uses {} features, the provider computes {}",
            model.len(),
            provided.len()
        );
        if !missing.is_empty() {
            msg += &format!("; not provided: {}", missing.join(", "));
        }
        if !extra.is_empty() {
            msg += &format!("; not in the model: {}", extra.join(", "));
        }
        if let Some(i) = model.iter().zip(&provided).position(|(a, b)| a != b) {
            msg += &format!(
                "; first difference at position {i}: model '{}', provider '{}'",
                model[i], provided[i]
            );
        }
        Err(StrategyError::FeatureMismatch(msg))
    }

    fn check_row(&self, row: &[f32]) -> Result<()> {
        if row.len() != self.num_features {
            return Err(StrategyError::Input(format!(
                "predict: the row has {} values, the model takes {} features",
                row.len(),
                self.num_features
            )));
        }
        Ok(())
    }

    /// The prediction for one row of [`TreeEnsemble::num_features`] values (NaN = missing).
    #[inline]
    pub fn predict(&self, row: &[f32]) -> Result<f32> {
        self.check_row(row)?;
        Ok(match &self.layout {
            Layout::Perfect {
                depth,
                splits,
                leaves,
            } => predict_perfect(self.base_score, *depth, splits, leaves, row),
            Layout::Linked => self.walk(row),
        })
    }

    /// The prediction by walking each tree node by node from the JSON arrays: slow, obvious,
    /// the oracle the fast layout is tested against.
    pub fn predict_reference(&self, row: &[f32]) -> Result<f32> {
        self.check_row(row)?;
        Ok(self.walk(row))
    }

    fn walk(&self, row: &[f32]) -> f32 {
        let mut sum = self.base_score;
        for t in &self.trees {
            sum += t.leaf_value(row);
        }
        sum
    }

    /// Predictions for `rows` (row-major, `out.len()` rows of `num_features`) into `out`.
    pub fn predict_batch(&self, rows: &[f32], out: &mut [f32]) -> Result<()> {
        if rows.len() != out.len() * self.num_features {
            return Err(StrategyError::Input(format!(
                "predict_batch: {} values are not {} rows of {} features",
                rows.len(),
                out.len(),
                self.num_features
            )));
        }
        for (row, o) in rows.chunks_exact(self.num_features).zip(out.iter_mut()) {
            *o = self.predict(row)?;
        }
        Ok(())
    }
}

/// The perfect-layout walk. The common shapes (depth 1 to 8, at most [`ROW_SLOTS`]
/// features) run a version specialised on the depth and on whether the row has a missing
/// value; the rest run [`walk_any`].
#[inline]
fn predict_perfect(base: f32, depth: usize, splits: &[Split], leaves: &[f32], row: &[f32]) -> f32 {
    if row.len() > ROW_SLOTS {
        return walk_any(base, depth, splits, leaves, row);
    }
    let mut slots = [0f32; ROW_SLOTS];
    slots[..row.len()].copy_from_slice(row);
    if row.iter().any(|x| x.is_nan()) {
        walk_depth::<true>(base, depth, splits, leaves, row, &slots)
    } else {
        walk_depth::<false>(base, depth, splits, leaves, row, &slots)
    }
}

/// Feature slots of the specialised walk: a feature index masked to `ROW_SLOTS - 1` is in
/// bounds by construction, so the walk has no bounds check on the row.
const ROW_SLOTS: usize = 256;

#[inline]
fn walk_depth<const NAN: bool>(
    base: f32,
    depth: usize,
    splits: &[Split],
    leaves: &[f32],
    row: &[f32],
    slots: &[f32; ROW_SLOTS],
) -> f32 {
    match depth {
        1 => walk_const::<1, 2, NAN>(base, splits, leaves, slots),
        2 => walk_const::<2, 4, NAN>(base, splits, leaves, slots),
        3 => walk_const::<3, 8, NAN>(base, splits, leaves, slots),
        4 => walk_const::<4, 16, NAN>(base, splits, leaves, slots),
        5 => walk_const::<5, 32, NAN>(base, splits, leaves, slots),
        6 => walk_const::<6, 64, NAN>(base, splits, leaves, slots),
        7 => walk_const::<7, 128, NAN>(base, splits, leaves, slots),
        8 => walk_const::<8, 256, NAN>(base, splits, leaves, slots),
        _ => walk_any(base, depth, splits, leaves, row),
    }
}

/// 0 to go left, 1 to go right. Without a missing value in the row the test is one
/// comparison; with one, NaN takes the split's default branch. `!(x < t)` (not `x >= t`) is
/// xgboost's own test, whatever the threshold holds.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn go_right<const NAN: bool>(s: Split, slots: &[f32; ROW_SLOTS]) -> usize {
    let x = slots[s.feature as usize & (ROW_SLOTS - 1)];
    if NAN {
        let left = (x < s.threshold) | (x.is_nan() & (s.feature & DEFAULT_LEFT != 0));
        usize::from(!left)
    } else {
        usize::from(!(x < s.threshold))
    }
}

/// Trees of depth `D` (`W = 2^D` slots each), eight at a time: `D` steps each, the next
/// node index computed (not branched to), the leaves added in tree order.
#[inline]
fn walk_const<const D: usize, const W: usize, const NAN: bool>(
    base: f32,
    splits: &[Split],
    leaves: &[f32],
    slots: &[f32; ROW_SLOTS],
) -> f32 {
    debug_assert_eq!(W, 1 << D);
    let mut sum = base;
    let mut split_blocks = splits.chunks_exact(W * LANES);
    let mut leaf_blocks = leaves.chunks_exact(W * LANES);
    for (sb, lb) in (&mut split_blocks).zip(&mut leaf_blocks) {
        let trees: [&[Split; W]; LANES] =
            core::array::from_fn(|l| sb[l * W..(l + 1) * W].try_into().expect("W splits"));
        let mut idx = [0usize; LANES];
        for _ in 0..D {
            for (i, t) in idx.iter_mut().zip(&trees) {
                *i = 2 * *i + 1 + go_right::<NAN>(t[*i & (W - 1)], slots);
            }
        }
        for (l, i) in idx.iter().enumerate() {
            let tree_leaves: &[f32; W] = lb[l * W..(l + 1) * W].try_into().expect("W leaves");
            // i is in [W - 1, 2W - 2]: (i + 1) mod W is i - (W - 1)
            sum += tree_leaves[(*i + 1) & (W - 1)];
        }
    }
    let (sr, lr) = (split_blocks.remainder(), leaf_blocks.remainder());
    for (sb, lb) in sr.chunks_exact(W).zip(lr.chunks_exact(W)) {
        let tree: &[Split; W] = sb.try_into().expect("W splits");
        let mut i = 0usize;
        for _ in 0..D {
            i = 2 * i + 1 + go_right::<NAN>(tree[i & (W - 1)], slots);
        }
        sum += lb[(i + 1) & (W - 1)];
    }
    sum
}

/// The perfect-layout walk for any depth and row width: trees eight at a time, `depth`
/// arithmetic steps each, leaves added to the sum in tree order.
#[inline]
fn walk_any(base: f32, depth: usize, splits: &[Split], leaves: &[f32], row: &[f32]) -> f32 {
    let internal = (1usize << depth) - 1;
    let width = 1usize << depth;
    let mut sum = base;
    if internal == 0 {
        // every tree is a lone leaf
        return leaves.iter().fold(sum, |s, &v| s + v);
    }
    let mut split_blocks = splits.chunks_exact(width * LANES);
    let mut leaf_blocks = leaves.chunks_exact(width * LANES);
    for (sb, lb) in (&mut split_blocks).zip(&mut leaf_blocks) {
        let mut idx = [0usize; LANES];
        for _ in 0..depth {
            for (lane, i) in idx.iter_mut().enumerate() {
                let s = sb[lane * width + *i];
                *i = 2 * *i + 1 + s.go_right(row);
            }
        }
        for (lane, i) in idx.iter().enumerate() {
            sum += lb[lane * width + *i - internal];
        }
    }
    let (sr, lr) = (split_blocks.remainder(), leaf_blocks.remainder());
    for (sb, lb) in sr.chunks_exact(width).zip(lr.chunks_exact(width)) {
        let mut i = 0usize;
        for _ in 0..depth {
            i = 2 * i + 1 + sb[i].go_right(row);
        }
        sum += lb[i - internal];
    }
    sum
}

fn model_err(msg: String) -> StrategyError {
    StrategyError::Model(msg)
}

fn field<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a Value> {
    v.get(key).ok_or_else(|| {
        let at = if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        };
        model_err(format!("{at} is missing"))
    })
}

/// xgboost writes most scalars as strings ("16"); accept numbers too.
fn parse_usize(v: &Value, path: &str, key: &str) -> Result<usize> {
    let parsed = match v {
        Value::String(s) => s.trim().parse::<usize>().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    };
    parsed.ok_or_else(|| model_err(format!("{path}.{key} = {v} is not a non-negative integer")))
}

/// `"[1.4191895E0]"` (xgboost >= 3, a vector) or `"1.4191895E0"` (earlier).
fn parse_base_score(v: &Value) -> Result<f32> {
    let path = "learner.learner_model_param.base_score";
    let s = match v {
        Value::String(s) => s.trim(),
        Value::Number(n) => {
            return n
                .as_f64()
                .map(|x| x as f32)
                .ok_or_else(|| model_err(format!("{path} = {v} is not a number")))
        }
        _ => return Err(model_err(format!("{path} = {v} is not a number"))),
    };
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() != 1 {
        return Err(model_err(format!(
            "{path} = {s} has {} values: only single-output regressors are supported",
            parts.len()
        )));
    }
    parts[0]
        .parse::<f32>()
        .map_err(|_| model_err(format!("{path} = {s} is not a number")))
}

fn array<'a>(t: &'a Value, key: &str, path: &str, n: usize) -> Result<&'a Vec<Value>> {
    let a = field(t, key, path)?
        .as_array()
        .ok_or_else(|| model_err(format!("{path}.{key} is not an array")))?;
    if a.len() != n {
        return Err(model_err(format!(
            "{path}.{key} has {} entries, the tree has {n} nodes",
            a.len()
        )));
    }
    Ok(a)
}

fn parse_tree(t: &Value, path: &str, num_features: usize) -> Result<RawTree> {
    let left_json = field(t, "left_children", path)?
        .as_array()
        .ok_or_else(|| model_err(format!("{path}.left_children is not an array")))?;
    let n = left_json.len();
    if n == 0 {
        return Err(model_err(format!("{path} has no nodes")));
    }
    if let Some(tp) = t.get("tree_param") {
        if let Some(v) = tp.get("size_leaf_vector") {
            let k = parse_usize(v, &format!("{path}.tree_param"), "size_leaf_vector")?;
            if k > 1 {
                return Err(model_err(format!(
                    "{path}.tree_param.size_leaf_vector = {k}: vector leaves (multi-target \
                     trees) are not supported"
                )));
            }
        }
    }
    let ints = |key: &str| -> Result<Vec<i64>> {
        array(t, key, path, n)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_i64()
                    .or_else(|| v.as_bool().map(i64::from))
                    .ok_or_else(|| model_err(format!("{path}.{key}[{i}] = {v} is not an integer")))
            })
            .collect()
    };
    let left = ints("left_children")?;
    let right = ints("right_children")?;
    let feature = ints("split_indices")?;
    let default_left = ints("default_left")?;
    if t.get("split_type").is_some() {
        let types = ints("split_type")?;
        if let Some(i) = types.iter().position(|&s| s != 0) {
            return Err(model_err(format!(
                "{path}.split_type[{i}] = {}: categorical splits are not supported",
                types[i]
            )));
        }
    }
    let condition = array(t, "split_conditions", path, n)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_f64().map(|x| x as f32).ok_or_else(|| {
                model_err(format!(
                    "{path}.split_conditions[{i}] = {v} is not a number"
                ))
            })
        })
        .collect::<Result<Vec<f32>>>()?;

    let child = |key: &str, i: usize, c: i64| -> Result<i32> {
        if c == -1 {
            return Ok(-1);
        }
        if c <= 0 || c as usize >= n {
            return Err(model_err(format!(
                "{path}.{key}[{i}] = {c} is not a node of this tree (it has {n} nodes)"
            )));
        }
        Ok(c as i32)
    };
    let mut tree = RawTree {
        left: Vec::with_capacity(n),
        right: Vec::with_capacity(n),
        feature: Vec::with_capacity(n),
        condition,
        default_left: default_left.iter().map(|&d| d != 0).collect(),
        depth: 0,
    };
    for i in 0..n {
        let (l, r) = (
            child("left_children", i, left[i])?,
            child("right_children", i, right[i])?,
        );
        if (l < 0) != (r < 0) {
            return Err(model_err(format!(
                "{path}: node {i} has one child ({l}, {r}); a node has two or none"
            )));
        }
        tree.left.push(l);
        tree.right.push(r);
        let f = feature[i];
        if l >= 0 && (f < 0 || f as usize >= num_features) {
            return Err(model_err(format!(
                "{path}.split_indices[{i}] = {f} is not a feature (num_feature is \
                 {num_features})"
            )));
        }
        tree.feature.push(if l >= 0 { f as u32 } else { 0 });
    }
    // depth and reachability: a walk that visits more nodes than exist has a cycle
    let mut stack = vec![(0usize, 0usize)];
    let mut visited = 0usize;
    while let Some((node, d)) = stack.pop() {
        visited += 1;
        if visited > n {
            return Err(model_err(format!(
                "{path}: the child links form a cycle or share nodes"
            )));
        }
        tree.depth = tree.depth.max(d);
        if tree.left[node] >= 0 {
            stack.push((tree.left[node] as usize, d + 1));
            stack.push((tree.right[node] as usize, d + 1));
        }
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree's arrays: `(left, right, feature, condition, default_left)`.
    type Arrays = (Vec<i64>, Vec<i64>, Vec<i64>, Vec<f32>, Vec<i64>);

    /// A model JSON with the given trees.
    fn model_json(base: &str, num_feature: usize, trees: &[Arrays]) -> String {
        let trees: Vec<String> = trees
            .iter()
            .map(|(l, r, f, c, d)| {
                format!(
                    r#"{{"left_children": {l:?}, "right_children": {r:?}, "split_indices": {f:?},
                    "split_conditions": {c:?}, "default_left": {d:?},
                    "tree_param": {{"num_nodes": "{}", "size_leaf_vector": "1"}}}}"#,
                    l.len()
                )
            })
            .collect();
        let names: Vec<String> = (0..num_feature).map(|i| format!("\"f{i}\"")).collect();
        format!(
            r#"{{"learner": {{"feature_names": [{}],
            "learner_model_param": {{"base_score": "{base}", "num_feature": "{num_feature}"}},
            "objective": {{"name": "reg:squarederror"}},
            "gradient_booster": {{"name": "gbtree", "model": {{"trees": [{}]}}}}}}}}"#,
            names.join(","),
            trees.join(",")
        )
    }

    /// An unbalanced tree: depth 3 on the left, a leaf on the right.
    fn lopsided() -> Arrays {
        (
            vec![1, 3, -1, 5, -1, -1, -1],
            vec![2, 4, -1, 6, -1, -1, -1],
            vec![0, 1, 0, 2, 0, 0, 0],
            vec![0.5, -1.0, 10.0, 3.0, 20.0, 30.0, 40.0],
            vec![1, 0, 0, 1, 0, 0, 0],
        )
    }

    #[test]
    fn walks_every_branch_and_missing_value() {
        let m = TreeEnsemble::from_json(&model_json("[1E0]", 3, &[lopsided()])).unwrap();
        assert!(m.is_perfect_layout());
        assert_eq!(m.depth(), 3);
        let cases: [([f32; 3], f32); 6] = [
            ([0.7, 0.0, 0.0], 11.0),            // right at the root
            ([0.1, 0.0, 0.0], 21.0),            // left, then right (not < -1)
            ([0.1, -2.0, 1.0], 31.0),           // left, left, left
            ([0.1, -2.0, 5.0], 41.0),           // left, left, right
            ([f32::NAN, -2.0, f32::NAN], 31.0), // missing: default left twice
            ([0.1, f32::NAN, 0.0], 21.0),       // missing: default right
        ];
        for (row, want) in cases {
            assert_eq!(m.predict(&row).unwrap(), want, "{row:?}");
            assert_eq!(m.predict_reference(&row).unwrap(), want, "{row:?}");
        }
    }

    #[test]
    fn perfect_layout_agrees_with_the_walk_on_many_trees() {
        // 21 trees (two blocks of eight and a remainder), leaf values varied
        let mut trees = vec![];
        for k in 0..21 {
            let mut t = lopsided();
            t.3 = t.3.iter().map(|c| c + k as f32 * 0.125).collect();
            t.2[3] = k % 3;
            trees.push(t);
        }
        let m = TreeEnsemble::from_json(&model_json("0.25", 3, &trees)).unwrap();
        let mut x = 0.37f32;
        for _ in 0..500 {
            let mut row = [0f32; 3];
            for v in &mut row {
                x = (x * 3.7 + 0.11).fract();
                *v = if x < 0.1 { f32::NAN } else { x * 8.0 - 4.0 };
            }
            let fast = m.predict(&row).unwrap();
            let slow = m.predict_reference(&row).unwrap();
            assert_eq!(fast.to_bits(), slow.to_bits(), "{row:?}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let bad_feature = {
            let mut t = lopsided();
            t.2[1] = 9;
            model_json("0", 3, &[t])
        };
        let e = TreeEnsemble::from_json(&bad_feature).unwrap_err();
        assert!(
            e.to_string()
                .contains("trees[0].split_indices[1] = 9 is not a feature (num_feature is 3)"),
            "{e}"
        );
        let cycle = {
            let mut t = lopsided();
            t.0[3] = 1;
            model_json("0", 3, &[t])
        };
        assert!(TreeEnsemble::from_json(&cycle)
            .unwrap_err()
            .to_string()
            .contains("cycle"));
        let logistic =
            model_json("0", 3, &[lopsided()]).replace("reg:squarederror", "binary:logistic");
        assert!(TreeEnsemble::from_json(&logistic)
            .unwrap_err()
            .to_string()
            .contains("objective 'binary:logistic' is not supported"));
        let multi = model_json("[1E0,2E0]", 3, &[lopsided()]);
        assert!(TreeEnsemble::from_json(&multi)
            .unwrap_err()
            .to_string()
            .contains("has 2 values"));
        assert!(TreeEnsemble::from_json("{")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
        let m = TreeEnsemble::from_json(&model_json("0", 3, &[lopsided()])).unwrap();
        assert!(matches!(m.predict(&[1.0]), Err(StrategyError::Input(_))));
    }

    #[test]
    fn feature_check_lists_differences() {
        let m = TreeEnsemble::from_json(&model_json("0", 3, &[lopsided()])).unwrap();
        assert!(m.check_features(&["f0", "f1", "f2"]).is_ok());
        let e = m
            .check_features(&["f0", "f2", "g"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("not provided: f1"), "{e}");
        assert!(e.contains("not in the model: g"), "{e}");
        assert!(
            e.contains("first difference at position 1: model 'f1', provider 'f2'"),
            "{e}"
        );
    }

    #[test]
    fn lone_leaves_and_deep_trees() {
        let leaf = (vec![-1], vec![-1], vec![0], vec![0.5f32], vec![0]);
        let m = TreeEnsemble::from_json(&model_json("1", 1, &[leaf.clone(), leaf])).unwrap();
        assert_eq!(m.predict(&[3.0]).unwrap(), 2.0);
        // a chain deeper than the perfect layout takes: walked node by node
        let depth = MAX_PERFECT_DEPTH + 2;
        let n = 2 * depth + 1;
        let (mut l, mut r) = (vec![-1i64; n], vec![-1i64; n]);
        let mut c = vec![0f32; n];
        for d in 0..depth {
            l[2 * d] = (2 * d + 2) as i64; // go left down the chain while x < threshold
            r[2 * d] = (2 * d + 1) as i64; // right: a leaf worth d
            c[2 * d] = (depth - d) as f32;
            c[2 * d + 1] = d as f32;
        }
        c[n - 1] = 100.0;
        let chain = (l, r, vec![0i64; n], c, vec![0i64; n]);
        let m = TreeEnsemble::from_json(&model_json("0", 1, &[chain])).unwrap();
        assert!(!m.is_perfect_layout());
        assert_eq!(m.predict(&[0.5]).unwrap(), 100.0);
        assert_eq!(m.predict(&[(depth as f32) - 2.5]).unwrap(), 3.0);
    }
}
