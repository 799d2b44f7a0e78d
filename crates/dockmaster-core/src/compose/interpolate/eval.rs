//! Evaluating a parsed template: each reference looked up, its operator decided, every use recorded with
//! its span in the output, every byte charged to the budget.

use super::parse::{Node, Op, VarNode};
use super::{Budget, Exhausted, Interpolated, MissingRequired, VarForm, VarUse};

pub(super) struct Eval<'a> {
    pub(super) lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(super) budget: &'a mut Budget,
}

impl Eval<'_> {
    pub(super) fn nodes(&mut self, nodes: &[Node], out: &mut Interpolated) -> Result<(), Exhausted> {
        for node in nodes {
            match node {
                Node::Text(text) => {
                    self.budget.charge(text.len())?;
                    out.value.push_str(text);
                }
                Node::Var(var) => self.var(var, out)?,
            }
        }
        Ok(())
    }

    fn var(&mut self, var: &VarNode, out: &mut Interpolated) -> Result<(), Exhausted> {
        let found = (self.lookup)(&var.name);
        let is_set = found.is_some();
        let value = found.unwrap_or_default();
        let start = out.value.len();

        let Some((op, body)) = &var.branch else {
            self.budget.charge(value.len())?;
            out.value.push_str(&value);
            out.uses.push(VarUse {
                name: var.name.clone(),
                span: start..out.value.len(),
                form: VarForm::Plain,
                is_set,
                used_fallback: false,
            });
            return Ok(());
        };

        // The branch is always evaluated so the form can carry its interpolated text,
        // but its uses / missing-required entries only count when the branch is taken.
        let mut branch = Interpolated::default();
        self.nodes(body, &mut branch)?;
        let empty = value.is_empty();

        let outcome = match op {
            Op::DefaultIfUnsetOrEmpty if empty => Outcome::Branch,
            Op::DefaultIfUnset if !is_set => Outcome::Branch,
            Op::AlternativeIfNonEmpty if !empty => Outcome::Branch,
            Op::AlternativeIfSet if is_set => Outcome::Branch,
            Op::RequiredNonEmpty if empty => Outcome::Missing,
            Op::Required if !is_set => Outcome::Missing,
            // Not taken: `value` is the variable's value, which is "" for both
            // alternative forms whenever their branch is not taken.
            _ => Outcome::Value,
        };

        // The form keeps a copy of the branch text.
        self.budget.charge(branch.value.len())?;
        let form = match op {
            Op::DefaultIfUnsetOrEmpty => VarForm::DefaultIfUnsetOrEmpty(branch.value.clone()),
            Op::DefaultIfUnset => VarForm::DefaultIfUnset(branch.value.clone()),
            Op::RequiredNonEmpty => VarForm::RequiredNonEmpty(branch.value.clone()),
            Op::Required => VarForm::Required(branch.value.clone()),
            Op::AlternativeIfNonEmpty => VarForm::AlternativeIfNonEmpty(branch.value.clone()),
            Op::AlternativeIfSet => VarForm::AlternativeIfSet(branch.value.clone()),
        };

        match outcome {
            Outcome::Value => {
                self.budget.charge(value.len())?;
                out.value.push_str(&value);
                out.uses.push(VarUse {
                    name: var.name.clone(),
                    span: start..out.value.len(),
                    form,
                    is_set,
                    used_fallback: false,
                });
            }
            Outcome::Branch => {
                self.budget.charge(branch.value.len())?;
                out.value.push_str(&branch.value);
                out.uses.push(VarUse {
                    name: var.name.clone(),
                    span: start..out.value.len(),
                    form,
                    is_set,
                    used_fallback: true,
                });
                out.uses.extend(branch.uses.into_iter().map(|mut u| {
                    u.span = u.span.start + start..u.span.end + start;
                    u
                }));
                out.missing_required.extend(branch.missing_required);
            }
            Outcome::Missing => {
                let message = if branch.value.is_empty() {
                    format!("required variable {} is missing a value", var.name)
                } else {
                    branch.value
                };
                out.uses.push(VarUse {
                    name: var.name.clone(),
                    span: start..start,
                    form,
                    is_set,
                    used_fallback: false,
                });
                out.missing_required.push(MissingRequired { name: var.name.clone(), message });
                // References inside the message do not produce output, so they are not
                // recorded as uses; a failed requirement nested in the message still counts.
                out.missing_required.extend(branch.missing_required);
            }
        }
        Ok(())
    }
}

/// What a braced operator decided.
enum Outcome {
    /// Output the variable's own value.
    Value,
    /// Output the branch text (default / alternative).
    Branch,
    /// Requirement failed: output "" and report.
    Missing,
}

pub(super) fn collect_names(nodes: &[Node], names: &mut Vec<String>) {
    for node in nodes {
        if let Node::Var(var) = node {
            if !names.iter().any(|n| n == &var.name) {
                names.push(var.name.clone());
            }
            if let Some((_, body)) = &var.branch {
                collect_names(body, names);
            }
        }
    }
}
