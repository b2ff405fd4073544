"""Language: detection, segmentation, diacritic folding and term matching."""
