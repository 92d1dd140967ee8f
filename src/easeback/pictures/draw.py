"""The one function that draws a pose into SVG, for every place a stretch is shown.

Pure: a pose in, a string out, no I/O. The body is thick rounded strokes, so it reads
as a body at a 96 x 64 thumbnail and from two metres on a phone. Whatever moves
between the start and the hold is drawn in the accent colour AND as a hollow tube
(a thinner line of the background inside it), so it stands out without colour too.

Colours are fixed presentation attributes (dark lines on a light panel, good on
either kind of page through ``<img>`` and in the PDF) under a class for each kind of
mark; inlined in a page, app.css paints those classes in the page's light or dark
colours, since any style rule wins over a presentation attribute.

Given a hold pose too, the picture is animated: every part moves from the start to
the hold over one second (SMIL), which the player pauses and sets to the point its
own clock has reached (``svg.setCurrentTime``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from easeback.content.poses import HEIGHT, WIDTH, Arrow, Pose, View

# Sizes of the body in each view: limb stroke, trunk stroke, head radius.
SIZES: dict[View, tuple[float, float, float]] = {
    "side": (9, 14, 11),
    "above": (10, 24, 12),
    "front": (10, 18, 12),
}
# The far side of the body in a side view is drawn behind and paler.
FAR: dict[View, str | None] = {"side": "left", "above": None, "front": None}

INK, MOVE, PANEL, SET, SEAT = "#1f2933", "#0a58ca", "#f7f5ef", "#d9d2c3", "#8d8471"
# The body's lines are round-ended and unfilled: said once, on the group around them.
ROUND = 'fill="none" stroke-linecap="round" stroke-linejoin="round"'
# Each kind of mark: its class (for the page's CSS, which wins over these when the
# picture is inlined) and its fixed paint (presentation attributes: no <style>
# element, which the pages' Content-Security-Policy would refuse).
PAINT = {
    "pic-bg": f'fill="{PANEL}"',
    "pic-set": f'fill="{SET}"',
    "pic-seat": f'stroke="{SEAT}" fill="none" stroke-linecap="round"',
    "pic-b": f'stroke="{INK}"',
    "pic-far": f'stroke="{INK}" opacity=".5"',
    "pic-m": f'stroke="{MOVE}"',
    "pic-in": f'stroke="{PANEL}"',
    "pic-hd": f'fill="{INK}"',
    "pic-eye": f'fill="{PANEL}"',
    "pic-mhd": f'fill="{MOVE}"',
    "pic-a": f'stroke="{MOVE}" fill="none" stroke-width="3.5" stroke-dasharray="7 5" '
    'stroke-linecap="round"',
    "pic-ah": f'fill="{MOVE}"',
    "pic-l": f'fill="{INK}" font-family="system-ui, \'DejaVu Sans\', sans-serif" '
    'font-weight="700" font-size="19"',
}


def _paint(cls: str) -> str:
    return f'class="{cls}" {PAINT[cls]}'


# The body's parts, each a line through joints (the trunk is drawn apart: it curves).
LIMBS: dict[str, tuple[str, ...]] = {
    "left_leg": ("left_hip", "left_knee", "left_heel", "left_toe"),
    "right_leg": ("right_hip", "right_knee", "right_heel", "right_toe"),
    "left_arm": ("left_shoulder", "left_elbow", "left_hand"),
    "right_arm": ("right_shoulder", "right_elbow", "right_hand"),
    "shoulders": ("left_shoulder", "right_shoulder"),
    "hips": ("left_hip", "right_hip"),
}
# Arms are drawn thinner than legs, so a hand reaching past a thigh reads as an arm.
THINNER = {"shoulders": 0.8, "hips": 0.8, "left_arm": 0.75, "right_arm": 0.75}
BROAD = {"shoulders": 1.0, "hips": 0.85}
TRUNK_JOINTS = ("neck", "left_shoulder", "right_shoulder", "back", "pelvis")
PARTS: dict[str, tuple[str, ...]] = {**LIMBS, "trunk": TRUNK_JOINTS, "head": ("head",)}


def moving_parts(start: Pose, hold: Pose) -> frozenset[str]:
    """The parts of the body with a joint that moves between the start and the hold."""
    return frozenset(
        part for part, joints in PARTS.items() if any(start[j] != hold[j] for j in joints)
    )


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _mid(pose: Pose, a: str, b: str) -> tuple[float, float]:
    return ((pose[a][0] + pose[b][0]) / 2, (pose[a][1] + pose[b][1]) / 2)


def _line(pose: Pose, joints: tuple[str, ...]) -> str:
    return "M" + " L".join(f"{_n(pose[j][0])} {_n(pose[j][1])}" for j in joints)


def _trunk(pose: Pose) -> str:
    """Neck, between the shoulders, then a curve through the low back to the pelvis:
    the curve is what shows an arched or a flattened back."""
    sx, sy = _mid(pose, "left_shoulder", "right_shoulder")
    (nx, ny), (bx, by), (px, py) = pose["neck"], pose["back"], pose["pelvis"]
    # The curve passes through the low back (the control point is set so that it
    # does), so "back" in a pose is where the low back is, not a handle.
    cx, cy = 2 * bx - (sx + px) / 2, 2 * by - (sy + py) / 2
    return f"M{_n(nx)} {_n(ny)} L{_n(sx)} {_n(sy)} Q{_n(cx)} {_n(cy)} {_n(px)} {_n(py)}"


def _shape(part: str, pose: Pose) -> str:
    return _trunk(pose) if part == "trunk" else _line(pose, LIMBS[part])


def _animate(attribute: str, start: str, hold: str) -> str:
    if start == hold:
        return ""
    return (
        f'<animate attributeName="{attribute}" values="{start};{hold}" dur="1s" '
        'begin="0s" fill="freeze" calcMode="spline" keyTimes="0;1" keySplines=".4 0 .2 1"/>'
    )


def _path(part: str, start: Pose, hold: Pose | None, cls: str, width: float) -> str:
    d = _shape(part, start)
    motion = _animate("d", d, _shape(part, hold)) if hold is not None else ""
    if not motion:
        return f'<path {_paint(cls)} stroke-width="{_n(width)}" d="{d}"/>'
    return f'<path {_paint(cls)} stroke-width="{_n(width)}" d="{d}">{motion}</path>'


# Where the eyes sit on the head when the face looks at us: from above (lying on the
# back, the top of the head to the left) and from the front. They say "face up".
EYES: dict[View, tuple[tuple[float, float], ...]] = {
    "above": ((-2.5, -4.5), (-2.5, 4.5)),
    "front": ((-4.5, -1), (4.5, -1)),
}


def _head(view: View, start: Pose, hold: Pose | None, radius: float, moving: bool) -> str:
    def eye(ex: float, ey: float) -> Callable[[Pose], tuple[float, float]]:
        # Seen from the front, a head turned aside (off the line of the neck) has its
        # eyes turned that way too.
        turn = 1.5 if view == "front" else 0.0
        return lambda pose: (ex + turn * (pose["head"][0] - pose["neck"][0]), ey)

    eyes = "".join(
        _dot("head", start, hold, radius / 5, False, offset=eye(*at), cls="pic-eye")
        for at in EYES.get(view, ())
    )
    return _dot("head", start, hold, radius, moving) + eyes


def _dot(
    joint: str,
    start: Pose,
    hold: Pose | None,
    radius: float,
    moving: bool,
    *,
    offset: Callable[[Pose], tuple[float, float]] = lambda pose: (0, 0),
    cls: str | None = None,
) -> str:
    def at(pose: Pose) -> tuple[float, float]:
        dx, dy = offset(pose)
        return pose[joint][0] + dx, pose[joint][1] + dy

    (x, y) = at(start)
    motion = ""
    if hold is not None:
        (hx, hy) = at(hold)
        motion = _animate("cx", _n(x), _n(hx)) + _animate("cy", _n(y), _n(hy))
    cls = cls or ("pic-mhd" if moving else "pic-hd")
    return f'<circle {_paint(cls)} cx="{_n(x)}" cy="{_n(y)}" r="{_n(radius)}">{motion}</circle>'


def _scenery(view: View) -> str:
    """What the body lies or sits on: a mat from the side or from above, or a stool."""
    if view == "side":
        return f'<rect {_paint("pic-set")} x="6" y="129" width="228" height="9" rx="3"/>'
    if view == "above":
        return (
            f'<rect {_paint("pic-set")} x="8" y="8" width="224" height="144" rx="10" '
            'opacity=".45"/>'
        )
    return (
        f'<rect {_paint("pic-set")} x="4" y="151" width="232" height="6" rx="2"/>'
        f'<path {_paint("pic-seat")} stroke-width="5" d="M96 112 L92 151 M144 112 L148 151"/>'
        f'<rect {_paint("pic-set")} x="86" y="100" width="68" height="12" rx="4"/>'
    )


def _arrow(arrow: Arrow) -> str:
    (x1, y1), (x2, y2) = arrow.start, arrow.end
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    # The control point: the middle, pushed sideways by ``bend`` of the length.
    cx = (x1 + x2) / 2 - (y2 - y1) * arrow.bend
    cy = (y1 + y2) / 2 + (x2 - x1) * arrow.bend
    # The head points along the curve's last stretch (from the control point).
    ux, uy = x2 - cx, y2 - cy
    u = math.hypot(ux, uy) or length
    ux, uy = ux / u, uy / u
    size = 11.0
    bx, by = x2 - ux * size, y2 - uy * size
    left = (bx - uy * size * 0.6, by + ux * size * 0.6)
    right = (bx + uy * size * 0.6, by - ux * size * 0.6)
    # The dashed line stops where the head begins, so the tip stays sharp.
    return (
        f'<path {_paint("pic-a")} d="M{_n(x1)} {_n(y1)} Q{_n(cx)} {_n(cy)} {_n(bx)} {_n(by)}"/>'
        f'<path {_paint("pic-ah")} d="M{_n(x2)} {_n(y2)} L{_n(left[0])} {_n(left[1])} '
        f'L{_n(right[0])} {_n(right[1])} Z"/>'
    )


def _label(text: str, at: list[float] | None) -> str:
    if at is None:
        return (
            f'<text {_paint("pic-l")} x="{WIDTH - 6}" y="26" text-anchor="end">'
            f"{escape(text)}</text>"
        )
    return (
        f'<text {_paint("pic-l")} x="{_n(at[0])}" y="{_n(at[1])}" '
        f'text-anchor="middle">{escape(text)}</text>'
    )


def draw(
    view: View,
    pose: Pose,
    *,
    title: str,
    ident: str,
    hold: Pose | None = None,
    moving: frozenset[str] = frozenset(),
    arrow: Arrow | None = None,
    label: str | None = None,
    label_at: list[float] | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """One picture as an SVG document: ``pose`` drawn (moving to ``hold`` when given),
    the parts named in ``moving`` stand out, with the arrow and the large label.

    ``ident`` makes the ids inside unique where several pictures share a page; the
    title (the picture's words for screen readers) names the image."""
    limb, trunk, radius = SIZES[view]
    far = FAR[view]
    parts: list[str] = []

    def body_part(part: str) -> None:
        is_moving = part in moving
        width_ = trunk if part == "trunk" else limb * THINNER.get(part, 1)
        if view == "above" and part in BROAD:
            width_ = trunk * BROAD[part]  # from above, the chest and hips are broad
        if is_moving:
            parts.append(_path(part, pose, hold, "pic-m", width_ + 3))
            parts.append(_path(part, pose, hold, "pic-in", max(2.5, width_ / 3)))
            return
        cls = "pic-far" if far and part.startswith(far) else "pic-b"
        parts.append(_path(part, pose, hold, cls, width_))

    if far is not None:
        # From the side: the far limbs, then the arms lying beside the body, then the
        # trunk and the near leg over them.
        near = "right" if far == "left" else "left"
        order = [
            f"{far}_leg",
            f"{far}_arm",
            f"{near}_arm",
            "shoulders",
            "hips",
            "trunk",
            f"{near}_leg",
        ]
    else:
        order = ["shoulders", "hips", "trunk", "left_leg", "right_leg", "left_arm", "right_arm"]
    # What moves is drawn last, over the rest, so it is never hidden.
    for part in sorted(order, key=lambda p: p in moving):
        body_part(part)
    arrow_mark = _arrow(arrow) if arrow is not None else ""
    if view == "front":
        # A turn of the head and shoulders: the arrow goes round behind the head.
        parts.append(arrow_mark)
        arrow_mark = ""
    parts.append(_head(view, pose, hold, radius, "head" in moving))
    if view == "above":
        # Bent knees point up at us: a kneecap dot says "bent", not "short legs"; a
        # hand at the end of each arm says "arm", not a bar across the body.
        parts += [
            _dot(f"{side}_{joint}", pose, hold, limb * size, f"{side}_{limb_of}" in moving)
            for side in ("left", "right")
            for joint, limb_of, size in (("knee", "leg", 0.75), ("hand", "arm", 0.55))
        ]

    title_id = f"{ident}-title"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{title_id}" '
        f'class="pic" data-view="{view}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<rect {_paint("pic-bg")} width="{WIDTH}" height="{HEIGHT}" rx="8"/>'
        f"{_scenery(view)}<g {ROUND}>{''.join(parts)}</g>"
        f"{arrow_mark}"
        f"{_label(label, label_at) if label else ''}"
        "</svg>"
    )
