// SPDX-License-Identifier: LGPL-2.1-or-later

// experiments/histogram.h in Go: a log-linear histogram with 64 sub-buckets
// per power of two (at most 1.56% error), percentiles reported as the upper
// edge of the bucket that holds the rank, capped at the exact max, so the
// Go records' percentiles mean what the C records' do.

package main

import "math/bits"

const (
	histSubBits = 6
	histSub     = 1 << histSubBits
	histBuckets = histSub + (64-histSubBits)*histSub
)

type histogram struct {
	count, sum, min, max uint64
	buckets              [histBuckets]uint64
}

func newHistogram() *histogram { return &histogram{min: ^uint64(0)} }

func histIndex(v uint64) int {
	if v < histSub {
		return int(v)
	}
	e := 63 - bits.LeadingZeros64(v)
	sub := int(v>>(e-histSubBits)) - histSub
	return histSub + (e-histSubBits)*histSub + sub
}

func histBucketHigh(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	e := (i-histSub)/histSub + histSubBits
	sub := uint64((i - histSub) % histSub)
	width := uint64(1) << (e - histSubBits)
	return (histSub+sub)*width + (width - 1)
}

func (h *histogram) record(v uint64) {
	h.buckets[histIndex(v)]++
	h.count++
	h.sum += v
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

func (h *histogram) merge(o *histogram) {
	for i := range h.buckets {
		h.buckets[i] += o.buckets[i]
	}
	h.count += o.count
	h.sum += o.sum
	if o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
}

func (h *histogram) percentile(p float64) uint64 {
	if h.count == 0 {
		return 0
	}
	want := p / 100.0 * float64(h.count)
	rank := uint64(want)
	if float64(rank) < want {
		rank++
	}
	if rank == 0 {
		rank = 1
	}
	seen := uint64(0)
	for i, b := range h.buckets {
		seen += b
		if seen >= rank {
			v := histBucketHigh(i)
			if v < h.max {
				return v
			}
			return h.max
		}
	}
	return h.max
}

func (h *histogram) mean() float64 {
	if h.count == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.count)
}
