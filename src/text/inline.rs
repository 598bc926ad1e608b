//! A vector that keeps up to `N` items in place and moves to the heap beyond. The planner makes
//! one for every RUN command (its words) and one for every RUN (its command classes); a `Vec`
//! each was most of its allocations.

/// Up to `N` items in place, more in a `Vec`; reads as a slice.
#[derive(Clone, Debug)]
pub enum InlineVec<T, const N: usize> {
    /// The first `len` slots hold the items; the others hold `T::default()`.
    Inline(usize, [T; N]),
    Heap(Vec<T>),
}

impl<T: Default, const N: usize> InlineVec<T, N> {
    /// The same items passed through `f`, in place if they were.
    pub fn map<U: Default>(self, f: impl FnMut(T) -> U) -> InlineVec<U, N> {
        match self {
            InlineVec::Inline(len, slots) => InlineVec::Inline(len, slots.map(f)),
            InlineVec::Heap(items) => InlineVec::Heap(items.into_iter().map(f).collect()),
        }
    }

    /// The items as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            InlineVec::Inline(len, slots) => slots.into_iter().take(len).collect(),
            InlineVec::Heap(items) => items,
        }
    }
}

impl<T: Default, const N: usize> InlineVec<T, N> {
    /// Add an item at the end, moving all to the heap when the slots are full.
    #[inline]
    pub fn push(&mut self, item: T) {
        match self {
            InlineVec::Inline(len, slots) if *len < N => {
                slots[*len] = item;
                *len += 1;
            }
            InlineVec::Inline(_, slots) => {
                let mut items = Vec::with_capacity(2 * N);
                items.extend(slots.iter_mut().map(std::mem::take));
                items.push(item);
                *self = InlineVec::Heap(items);
            }
            InlineVec::Heap(items) => items.push(item),
        }
    }
}

impl<T: Default, const N: usize> Default for InlineVec<T, N> {
    fn default() -> Self {
        InlineVec::Inline(0, std::array::from_fn(|_| T::default()))
    }
}

impl<T, const N: usize> std::ops::Deref for InlineVec<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            InlineVec::Inline(len, slots) => &slots[..*len],
            InlineVec::Heap(items) => items,
        }
    }
}

impl<'s, T, const N: usize> IntoIterator for &'s InlineVec<T, N> {
    type Item = &'s T;
    type IntoIter = std::slice::Iter<'s, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Default, const N: usize> FromIterator<T> for InlineVec<T, N> {
    /// In place when the iterator's exact length (a drain's, a slice map's) is at most `N`.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut iter = iter.into_iter();
        match iter.size_hint() {
            (low, Some(high)) if low == high && high <= N => {
                let mut slots: [T; N] = std::array::from_fn(|_| T::default());
                let mut len = 0;
                for (slot, item) in slots.iter_mut().zip(&mut iter) {
                    *slot = item;
                    len += 1;
                }
                // `size_hint` is only a hint: an iterator that yields more than it said still
                // loses nothing.
                match iter.next() {
                    None => InlineVec::Inline(len, slots),
                    Some(extra) => {
                        let mut items: Vec<T> = slots.into_iter().take(len).collect();
                        items.push(extra);
                        items.extend(iter);
                        InlineVec::Heap(items)
                    }
                }
            }
            _ => InlineVec::Heap(iter.collect()),
        }
    }
}

impl<T: PartialEq, const N: usize> PartialEq for InlineVec<T, N> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq, const N: usize> Eq for InlineVec<T, N> {}

#[cfg(test)]
mod tests {
    use super::InlineVec;

    #[test]
    fn reads_the_same_in_place_and_on_the_heap() {
        for n in 0..6 {
            let small: InlineVec<u8, 3> = (0..n).collect();
            assert_eq!(matches!(small, InlineVec::Inline(..)), n <= 3);
            assert_eq!(*small, (0..n).collect::<Vec<_>>());
            assert_eq!(
                small.clone().map(u16::from).iter().sum::<u16>(),
                (0..n).map(u16::from).sum::<u16>()
            );
            // A filter's length is not known (unless it is empty): on the heap, equal all the same.
            let filtered: InlineVec<u8, 3> = (0..n).filter(|_| true).collect();
            assert_eq!(matches!(filtered, InlineVec::Heap(_)), n > 0);
            assert_eq!(filtered, small);
        }
    }

    #[test]
    fn push_keeps_the_order_in_place_and_on_the_heap() {
        for n in 0..8u8 {
            let mut items: InlineVec<u8, 3> = InlineVec::default();
            for i in 0..n {
                items.push(i);
            }
            assert_eq!(*items, (0..n).collect::<Vec<_>>());
            assert_eq!(matches!(items, InlineVec::Inline(..)), n <= 3);
        }
    }

    /// An iterator whose size hint says fewer items than it yields.
    struct Understated(std::ops::Range<u8>);

    impl Iterator for Understated {
        type Item = u8;
        fn next(&mut self) -> Option<u8> {
            self.0.next()
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (1, Some(1))
        }
    }

    #[test]
    fn keeps_every_item_of_an_iterator_that_understates_its_length() {
        let items: InlineVec<u8, 3> = Understated(0..5).collect();
        assert_eq!(*items, [0, 1, 2, 3, 4]);
        assert!(matches!(items, InlineVec::Heap(_)));
        let one: InlineVec<u8, 3> = Understated(0..1).collect();
        assert_eq!(*one, [0]);
        assert!(matches!(one, InlineVec::Inline(..)));
    }
}
