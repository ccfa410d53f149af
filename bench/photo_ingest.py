"""Photo ingest benchmark: a 12 MP camera JPEG → stored evidence + thumbnail, against Pillow's floor.

    .venv/bin/python bench/photo_ingest.py [--runs 15]

The photo is generated here: 4000×3000, gradient + noise + shapes (so it compresses like a real
photo, ~3-5 MB at q92), EXIF orientation 6 (portrait held phone), GPS, Make/Model, sRGB ICC.

Pipeline = PhotoStore.ingest into a fresh folder: SHA-256, decode with draft (2000×1500),
BILINEAR to 1600 px, rotate, thumbnail, two JPEG encodes (stored + thumb; no GPS variant), the
durable writes (temp + fsync + replace + folder fsync, original included).
Floor = what Pillow cannot avoid for the same result: decode with draft to the same target and
encode the two output sizes (1600×1200 q85, 320×240 q80) from ready-made pictures.
Both are timed alternately in the same process (median of --runs), then peak memory of one
ingest is measured in a fresh subprocess (VmHWM, plus tracemalloc for Python-side objects).
Targets: median within 1.5× of the floor, peak memory under 200 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_app.evidence import PhotoStore  # noqa: E402
from inspect_app.evidence.decode import fit  # noqa: E402

WIDTH, HEIGHT = 4000, 3000


def camera_jpeg(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    gradient = Image.linear_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    channels = []
    for i, sigma in enumerate((28, 22, 34)):
        noise = Image.effect_noise((width, height), sigma)
        base = gradient.rotate(90 * i, expand=False) if i != 1 else gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        channels.append(Image.blend(base, noise, 0.35))
    picture = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(picture)
    for k in range(40):  # rooms have edges: cabinets, doors, documents
        x, y = (k * 977) % width, (k * 613) % height
        draw.rectangle((x, y, x + 300 + k * 7, y + 200 + k * 5), outline=(k * 6 % 255, 90, 200 - k * 4), width=6)
        draw.ellipse((y % width, x % height, y % width + 180, x % height + 120), fill=(250 - k * 5, 200, k * 6))
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPad (9th generation)"
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 10:11:12"
    exif.get_ifd(0x8825).update(
        {0: b"\x02\x02\x00\x00", 1: "N", 2: (Fraction(39), Fraction(7), Fraction(1234, 100)),
         3: "E", 4: (Fraction(117), Fraction(12), Fraction(5678, 100))}
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, exif=exif.tobytes(), icc_profile=icc)
    return out.getvalue()


def ingest_once(data: bytes, scratch: Path) -> float:
    root = Path(tempfile.mkdtemp(dir=scratch))
    store = PhotoStore(root)
    start = time.perf_counter()
    store.ingest(data, "IMG_0001.JPG")
    elapsed = time.perf_counter() - start
    shutil.rmtree(root)
    return elapsed


def floor_parts(data: bytes, stored: Image.Image, thumb: Image.Image) -> dict[str, float]:
    t0 = time.perf_counter()
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        image.draft("RGB", fit(*image.size, 1600))
        image.load()
    t1 = time.perf_counter()
    stored.save(io.BytesIO(), "JPEG", quality=85)
    t2 = time.perf_counter()
    thumb.save(io.BytesIO(), "JPEG", quality=80)
    t3 = time.perf_counter()
    return {"decode_draft": t1 - t0, "encode_1600": t2 - t1, "encode_320": t3 - t2}


def resample_parts(draft: Image.Image) -> dict[str, float]:
    """The cheapest antialiased way from the draft decode to the two output sizes (same filters
    as the pipeline), to show how much of the gap to the floor resampling alone explains."""
    t0 = time.perf_counter()
    small = draft.resize(fit(*draft.size, 1600), Image.Resampling.BILINEAR)
    t1 = time.perf_counter()
    small.resize(fit(*small.size, 320), Image.Resampling.BILINEAR, reducing_gap=1.0)
    t2 = time.perf_counter()
    return {"resize_1600": t1 - t0, "resize_320": t2 - t1}


_CHILD = r"""
import json, resource, sys, tempfile, tracemalloc
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from inspect_app.evidence import PhotoStore
import io
from PIL import Image
from inspect_app.evidence.decode import fit
data = Path(sys.argv[2]).read_bytes()
mode = sys.argv[3]
store = PhotoStore(tempfile.mkdtemp())
def hwm_kb():
    # VmHWM restarts at exec; ru_maxrss would carry the parent's peak over fork + exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = hwm_kb()
tracemalloc.start()
if mode == "ingest":
    store.ingest(data, "IMG_0001.JPG")
else:
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        image.draft("RGB", fit(*image.size, 1600))
        image.load()
        small = image.resize(fit(*image.size, 1600))
    small.save(io.BytesIO(), "JPEG", quality=85)
    small.resize(fit(*small.size, 320)).save(io.BytesIO(), "JPEG", quality=80)
traced = tracemalloc.get_traced_memory()[1]
peak = hwm_kb()
print(json.dumps({"base_kb": base, "peak_kb": peak, "traced_peak": traced}))
"""


def memory(photo_file: Path, mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT), str(photo_file), mode],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    data = camera_jpeg()
    with Image.open(io.BytesIO(data)) as probe:
        size = probe.size
    print(f"photo: {size[0]}×{size[1]} JPEG q92, orientation 6, GPS, ICC; {len(data) / 1048576:.2f} MB")

    stored = Image.new("RGB", (1600, 1200))
    stored.paste(Image.open(io.BytesIO(data)).resize((1600, 1200)))
    thumb = stored.resize((320, 240))
    scratch = Path(tempfile.mkdtemp(prefix="photo-bench-"))
    try:
        ingest_once(data, scratch)  # warm-up: plugins, font caches, page cache
        floor_parts(data, stored, thumb)
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            image.draft("RGB", fit(*image.size, 1600))
            draft = image.copy()
        pipeline, floors, resamples = [], [], []
        parts = {"decode_draft": [], "encode_1600": [], "encode_320": [], "resize_1600": [], "resize_320": []}
        for _ in range(args.runs):
            pipeline.append(ingest_once(data, scratch))
            got = floor_parts(data, stored, thumb)
            floors.append(sum(got.values()))
            more = resample_parts(draft)
            resamples.append(sum(got.values()) + sum(more.values()))
            for key, value in {**got, **more}.items():
                parts[key].append(value)
        photo_file = scratch / "camera.jpg"
        photo_file.write_bytes(data)
        mem_ingest = memory(photo_file, "ingest")
        mem_floor = memory(photo_file, "floor")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    ms = lambda seconds: f"{seconds * 1000:7.1f} ms"  # noqa: E731
    median_pipeline = statistics.median(pipeline)
    median_floor = statistics.median(floors)
    print(f"runs: {args.runs} (alternating pipeline / floor), {draft.size[0]}×{draft.size[1]} after draft")
    print(f"pipeline (ingest, durable writes)  median {ms(median_pipeline)}  min {ms(min(pipeline))}  max {ms(max(pipeline))}")
    print(f"floor (decode draft + 2 encodes)   median {ms(median_floor)}  min {ms(min(floors))}  max {ms(max(floors))}")
    for key, values in parts.items():
        print(f"  floor part {key:<13}        median {ms(statistics.median(values))}")
    median_resample = statistics.median(resamples)
    print(f"floor + resampling to both sizes   median {ms(median_resample)}")
    ratio = median_pipeline / median_floor
    print(f"ratio pipeline / floor: {ratio:.2f}×  (target ≤ 1.5×) {'OK' if ratio <= 1.5 else 'OVER'}")
    print(f"ratio pipeline / (floor + resampling): {median_pipeline / median_resample:.2f}×")
    for label, mem in (("ingest", mem_ingest), ("floor ", mem_floor)):
        peak_mb = mem["peak_kb"] / 1024
        print(
            f"peak memory {label}: VmHWM {peak_mb:6.1f} MB (process after imports {mem['base_kb'] / 1024:.1f} MB,"
            f" +{(mem['peak_kb'] - mem['base_kb']) / 1024:.1f} MB), tracemalloc peak {mem['traced_peak'] / 1048576:.1f} MB"
        )
    peak = mem_ingest["peak_kb"] / 1024
    print(f"peak memory target < 200 MB: {'OK' if peak < 200 else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
