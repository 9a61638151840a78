//! A rooted tree over dense indices with O(1) subtree tests.
//!
//! Used for the business-unit tree (R3.1) and reusable for any single-root hierarchy.
//! Built iteratively, so a chain a million units deep neither recurses nor overflows the stack.

/// Why a parent list does not form one rooted tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TreeShapeError {
    /// No node without a parent.
    NoRoot,
    /// Two nodes without a parent.
    MultipleRoots { first: u32, second: u32 },
    /// A node on a parent cycle (unreachable from the root).
    Cycle { node: u32 },
    /// A node naming itself as parent.
    SelfParent { node: u32 },
}

/// A rooted tree with pre-order intervals.
///
/// INVARIANT: `pre[n] < pre[d] < end[n]` exactly when `d` is a strict descendant of `n`.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    parent: Vec<u32>,
    pre: Vec<u32>,
    end: Vec<u32>,
    depth: Vec<u32>,
}

/// Marks the root in `Tree::parent`.
const NO_PARENT: u32 = u32::MAX;

impl Tree {
    /// Builds the tree from each node's parent.
    pub(crate) fn build(parents: &[Option<u32>]) -> Result<Tree, TreeShapeError> {
        let n = parents.len();
        let mut root = None;
        for (i, p) in parents.iter().enumerate() {
            match p {
                None => match root {
                    None => root = Some(i as u32),
                    Some(first) => {
                        return Err(TreeShapeError::MultipleRoots {
                            first,
                            second: i as u32,
                        })
                    }
                },
                Some(p) if *p as usize == i => {
                    return Err(TreeShapeError::SelfParent { node: i as u32 })
                }
                Some(_) => {}
            }
        }
        let root = root.ok_or(TreeShapeError::NoRoot)?;

        // Children in compressed form: child_start[p]..child_start[p + 1] indexes `children`.
        let mut child_start = vec![0u32; n + 1];
        for p in parents.iter().flatten() {
            child_start[*p as usize + 1] += 1;
        }
        for i in 0..n {
            child_start[i + 1] += child_start[i];
        }
        let mut fill = child_start.clone();
        let mut children = vec![0u32; n.saturating_sub(1)];
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p {
                children[fill[*p as usize] as usize] = i as u32;
                fill[*p as usize] += 1;
            }
        }

        let mut pre = vec![u32::MAX; n];
        let mut end = vec![0u32; n];
        let mut depth = vec![0u32; n];
        let mut counter = 0u32;
        // Explicit stack of (node, next child offset): iterative depth-first walk.
        let mut stack: Vec<(u32, u32)> = vec![(root, child_start[root as usize])];
        pre[root as usize] = counter;
        counter += 1;
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if next < child_start[node as usize + 1] {
                top.1 += 1;
                let child = children[next as usize];
                pre[child as usize] = counter;
                depth[child as usize] = depth[node as usize] + 1;
                counter += 1;
                stack.push((child, child_start[child as usize]));
            } else {
                end[node as usize] = counter;
                stack.pop();
            }
        }
        if (counter as usize) < n {
            // Some node is not below the root: walk up from it until a node repeats.
            if let Some(start) = pre.iter().position(|&p| p == u32::MAX) {
                let mut seen = vec![false; n];
                let mut node = start as u32;
                while !seen[node as usize] {
                    seen[node as usize] = true;
                    match parents[node as usize] {
                        Some(p) => node = p,
                        None => break,
                    }
                }
                return Err(TreeShapeError::Cycle { node });
            }
        }
        let parent = parents.iter().map(|p| p.unwrap_or(NO_PARENT)).collect();
        Ok(Tree {
            parent,
            pre,
            end,
            depth,
        })
    }

    /// The parent cycle reached by walking up from `from`, each node once, starting at the
    /// node of the smallest index so that every walk into one cycle names it the same way.
    /// Empty when the walk reaches a root or leaves the range.
    pub(crate) fn cycle_from(parents: &[Option<u32>], from: u32) -> Vec<u32> {
        let mut seen = vec![false; parents.len()];
        let mut node = from;
        loop {
            match seen.get_mut(node as usize) {
                Some(true) => break,
                Some(s) => *s = true,
                None => return Vec::new(),
            }
            match parents.get(node as usize).copied().flatten() {
                Some(p) => node = p,
                None => return Vec::new(),
            }
        }
        // `node` is on the cycle: collect it once around.
        let mut cycle = vec![node];
        let mut next = parents.get(node as usize).copied().flatten();
        while let Some(n) = next {
            if n == node || cycle.len() > parents.len() {
                break;
            }
            cycle.push(n);
            next = parents.get(n as usize).copied().flatten();
        }
        if let Some(start) = cycle
            .iter()
            .enumerate()
            .min_by_key(|&(_, n)| *n)
            .map(|(i, _)| i)
        {
            cycle.rotate_left(start);
        }
        cycle
    }

    /// Whether `node` is `ancestor` or lies below it. Out-of-range indices are never inside.
    #[inline]
    pub(crate) fn contains(&self, ancestor: u32, node: u32) -> bool {
        match (
            self.pre.get(ancestor as usize),
            self.end.get(ancestor as usize),
            self.pre.get(node as usize),
        ) {
            (Some(&a), Some(&e), Some(&p)) => a <= p && p < e,
            _ => false,
        }
    }

    /// The pre-order number of `node`.
    #[inline]
    pub(crate) fn pre_order(&self, node: u32) -> Option<u32> {
        self.pre.get(node as usize).copied()
    }

    /// The pre-order numbers of `node`'s subtree: `first..end` holds exactly the pre-order
    /// numbers of `node` and its descendants.
    #[inline]
    pub(crate) fn span(&self, node: u32) -> Option<(u32, u32)> {
        Some((*self.pre.get(node as usize)?, *self.end.get(node as usize)?))
    }

    /// The parent of `node`, `None` for the root.
    #[inline]
    pub(crate) fn parent(&self, node: u32) -> Option<u32> {
        match self.parent.get(node as usize) {
            Some(&p) if p != NO_PARENT => Some(p),
            _ => None,
        }
    }

    /// Distance from the root.
    pub(crate) fn depth(&self, node: u32) -> u32 {
        self.depth.get(node as usize).copied().unwrap_or(0)
    }

    /// The pre-order interval `pre..end` of `node`'s subtree (the node itself is `pre`);
    /// `None` for an out-of-range node.
    #[inline]
    pub(crate) fn interval(&self, node: u32) -> Option<(u32, u32)> {
        match (self.pre.get(node as usize), self.end.get(node as usize)) {
            (Some(&p), Some(&e)) => Some((p, e)),
            _ => None,
        }
    }

    /// Number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.pre.len()
    }

    /// Bytes held on the heap by the tree's arrays.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.parent.capacity() + self.pre.capacity() + self.end.capacity() + self.depth.capacity())
            * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Subtree tests agree with walking parents, on a small bushy tree.
    #[test]
    fn contains_matches_parent_walk() {
        // 0 root; 1,2 children of 0; 3 child of 1; 4 child of 3; 5 child of 2
        let parents = [None, Some(0), Some(0), Some(1), Some(3), Some(2)];
        let t = Tree::build(&parents).unwrap();
        for a in 0..6u32 {
            for d in 0..6u32 {
                let mut walk = Some(d);
                let mut inside = false;
                while let Some(x) = walk {
                    if x == a {
                        inside = true;
                    }
                    walk = parents[x as usize];
                }
                assert_eq!(t.contains(a, d), inside, "{a} contains {d}");
            }
        }
        assert_eq!(t.depth(4), 3);
        assert_eq!(t.parent(4), Some(3));
        assert_eq!(t.parent(0), None);
        assert!(!t.contains(0, 99));
    }

    /// Bad shapes are reported, not looped over.
    #[test]
    fn bad_shapes() {
        assert_eq!(Tree::build(&[]).unwrap_err(), TreeShapeError::NoRoot);
        assert_eq!(
            Tree::build(&[None, None]).unwrap_err(),
            TreeShapeError::MultipleRoots {
                first: 0,
                second: 1
            }
        );
        assert_eq!(
            Tree::build(&[None, Some(1)]).unwrap_err(),
            TreeShapeError::SelfParent { node: 1 }
        );
        match Tree::build(&[None, Some(2), Some(1)]).unwrap_err() {
            TreeShapeError::Cycle { node } => assert!(node == 1 || node == 2),
            other => panic!("{other:?}"),
        }
    }

    /// A chain 1,000,000 deep builds without recursion and answers subtree tests.
    #[test]
    fn deep_chain() {
        let n = 1_000_000u32;
        let parents: Vec<Option<u32>> = (0..n).map(|i| i.checked_sub(1)).collect();
        let t = Tree::build(&parents).unwrap();
        assert!(t.contains(0, n - 1));
        assert!(t.contains(n / 2, n - 1));
        assert!(!t.contains(n - 1, n / 2));
        assert_eq!(t.depth(n - 1), n - 1);
    }
}
