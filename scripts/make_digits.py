"""Write nnviz/data/digits.npz from scikit-learn's bundled copy of the UCI 8 x 8 digits.

Run once, from the repository root, whenever the file must be rebuilt::

    python scripts/make_digits.py

scikit-learn is a development-time dependency only (the ``bench`` extra): it reads its own local
``digits.csv.gz``, nothing is downloaded. The output holds the 1,797 images as ``uint8`` values 0..16
of shape (1797, 8, 8) and the labels as ``uint8`` (1797,), in scikit-learn's order, compressed with
``numpy.savez_compressed`` (no pickled objects), plus the attribution text. The script checks that the
file reads back equal to scikit-learn's arrays before it replaces the old one.

Data: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning
Repository (1998), https://doi.org/10.24432/C50P49, licensed CC BY 4.0.
"""
from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "nnviz", "data", "digits.npz")


def main() -> int:
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - development tool
        print("scikit-learn is needed to rebuild the digits: pip install 'nnviz-lab[bench]'", file=sys.stderr)
        return 1
    digits = load_digits()
    images = np.asarray(digits.images)
    labels = np.asarray(digits.target)
    if images.shape != (1797, 8, 8) or labels.shape != (1797,):
        raise SystemExit(f"unexpected shapes from scikit-learn: {images.shape}, {labels.shape}")
    if not (np.array_equal(images, np.round(images)) and images.min() >= 0 and images.max() <= 16):
        raise SystemExit("scikit-learn's digits are not integers in 0..16")
    if not (labels.min() >= 0 and labels.max() <= 9):
        raise SystemExit("scikit-learn's digit labels are not in 0..9")
    images8 = images.astype(np.uint8)
    labels8 = labels.astype(np.uint8)

    # Write beside the target, check, then rename: a failed run never leaves a broken file.
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=os.path.dirname(OUT))
    os.close(fd)
    try:
        np.savez_compressed(tmp, images=images8, labels=labels8)
        with np.load(tmp, allow_pickle=False) as data:
            if not (np.array_equal(data["images"], images) and np.array_equal(data["labels"], labels)):
                raise SystemExit("the written file does not read back equal to scikit-learn's arrays")
        os.replace(tmp, OUT)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {os.path.getsize(OUT):,} bytes, "
          f"{len(labels8)} images, class counts {np.bincount(labels8).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
