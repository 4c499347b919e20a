#!/opt/venv-coco/bin/python
"""pycocotools' numbers for the eval room's fixtures and benchmark (the tests never run this; they read its output).

  coco-expected.py [test/fixtures/coco/CASE...] writes CASE/expected.json for each case: from CASE/gt.json and
                                                CASE/dt.json, or from CASE/synthetic.json (materialised with
                                                scripts/coco-synthetic.mjs); CASE/params.json overrides Params.
                                                No CASE: every case under test/fixtures/coco.
  coco-expected.py --gt GT.json --dt DT.json    prints {"stats": {...}, "seconds": ..., "cpuSeconds": ...} (the benchmark's run).

Run with /opt/venv-coco/bin/python (pycocotools 2.0.11, numpy).
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl']
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def evaluate(gt_path, dt_path, params=None):
    """COCOeval bbox with pycocotools' own printing silenced; returns the eval object, wall and CPU seconds."""
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        cpu_start = time.process_time()
        gt = COCO(gt_path)
        dt = gt.loadRes(dt_path)
        ev = COCOeval(gt, dt, 'bbox')
        params = params or {}
        if 'imgIds' in params:
            ev.params.imgIds = params['imgIds']
        if 'catIds' in params:
            ev.params.catIds = params['catIds']
        if 'maxDets' in params:
            ev.params.maxDets = params['maxDets']
        if 'areaRng' in params:
            ev.params.areaRng = params['areaRng']
            ev.params.areaRngLbl = params['areaRngLbl']
        if 'useCats' in params:
            ev.params.useCats = params['useCats']
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    return ev, seconds, cpu_seconds


def expected(ev):
    stats = {key: float(value) for key, value in zip(KEYS, ev.stats)}
    precision = ev.eval['precision']
    recall = ev.eval['recall']
    per_category = []
    if ev.params.useCats:
        for k, cat_id in enumerate(ev.params.catIds):
            p = precision[:, :, k, 0, -1]
            p50 = precision[0, :, k, 0, -1]
            per_category.append({
                'id': int(cat_id),
                'AP': float(np.mean(p[p > -1])) if (p > -1).any() else -1.0,
                'AP50': float(np.mean(p50[p50 > -1])) if (p50 > -1).any() else -1.0,
            })
    return {
        'generator': 'scripts/coco-expected.py (pycocotools %s)' % pycocotools_version(),
        'stats': stats,
        'perCategory': per_category,
        'counts': [int(c) for c in ev.eval['counts']],
        'precisionSum': float(precision.sum()),
        'recallSum': float(recall.sum()),
    }


def pycocotools_version():
    try:
        from importlib.metadata import version
        return version('pycocotools')
    except Exception:  # noqa: BLE001 - only a label in the output
        return 'unknown'


def write_case(case):
    params_path = os.path.join(case, 'params.json')
    params = json.load(open(params_path)) if os.path.exists(params_path) else None
    synthetic = os.path.join(case, 'synthetic.json')
    if os.path.exists(synthetic):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(['node', os.path.join(ROOT, 'scripts', 'coco-synthetic.mjs'), synthetic, tmp], check=True)
            ev, _, _ = evaluate(os.path.join(tmp, 'gt.json'), os.path.join(tmp, 'dt.json'), params)
    else:
        ev, _, _ = evaluate(os.path.join(case, 'gt.json'), os.path.join(case, 'dt.json'), params)
    out = expected(ev)
    old_path = os.path.join(case, 'expected.json')
    if os.path.exists(old_path):
        # Hand-written notes (how the numbers were derived by hand) stay.
        old = json.load(open(old_path))
        if 'note' in old:
            out = {'note': old['note'], **out}
    with open(old_path, 'w') as f:
        json.dump(out, f, indent=2)
        f.write('\n')
    print('wrote', old_path)


def all_cases():
    """Every fixture case with inputs to evaluate (test/fixtures/coco/bad holds unreadable inputs, on purpose)."""
    fixtures = os.path.join(ROOT, 'test', 'fixtures', 'coco')
    return [os.path.join(fixtures, name) for name in sorted(os.listdir(fixtures))
            if any(os.path.exists(os.path.join(fixtures, name, f)) for f in ('gt.json', 'synthetic.json'))]


def main(argv):
    if len(argv) >= 1 and argv[0] == '--gt':
        gt_path, dt_path = argv[1], argv[3]
        ev, seconds, cpu_seconds = evaluate(gt_path, dt_path)
        print(json.dumps({'stats': {k: float(v) for k, v in zip(KEYS, ev.stats)}, 'seconds': seconds, 'cpuSeconds': cpu_seconds}))
        return 0
    cases = argv or all_cases()
    for case in cases:
        write_case(case)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
