"""What the low graphics preset does to the scene: signs turned into plain geometry and flattened
with the rest of the static scene (fewest draw calls), and avatars beyond a distance drawn as a
simple stand-in (a level-of-detail switch; the name tag stays).
"""

from __future__ import annotations

from panda3d.core import LODNode, NodePath, TextNode, TransparencyAttrib

from .meshes import MeshBuilder

__all__ = ["flatten_static", "stand_in", "add_lod", "cheapen_avatar"]

FAR_M = 1e6


def flatten_static(root: NodePath) -> int:
    """Replace every TextNode under `root` by the geometry it generates, then flatten all of it into
    as few Geoms as the render states allow. Returns how many text nodes were baked."""
    baked = 0
    for np_ in root.find_all_matches("**/+TextNode"):
        node = np_.node()
        assert isinstance(node, TextNode)
        geom = NodePath(node.generate())
        geom.reparent_to(np_.get_parent())
        geom.set_transform(np_.get_transform())
        geom.set_state(np_.get_state())
        np_.remove_node()
        baked += 1
    root.clear_model_nodes()
    root.flatten_strong()
    return baked


def stand_in(look: tuple[float, float, float], skin: tuple[float, float, float]) -> NodePath:
    """A figure in a handful of triangles: a body in the shirt's colour and a head."""
    b = MeshBuilder("stand-in")
    b.prism(0.0, 0.0, 0.0, 1.45, 0.2, look, sides=5, top_radius=0.2)
    b.prism(0.0, 0.0, 1.45, 1.78, 0.13, skin, sides=5, top_radius=0.1)
    return b.node()


def add_lod(parent: NodePath, detail: NodePath, simple: NodePath, *, detail_m: float) -> NodePath:
    """Under `parent`, show `detail` nearer than `detail_m` from the camera and `simple` beyond."""
    lod = parent.attach_new_node(LODNode("lod"))
    detail.reparent_to(lod)
    simple.reparent_to(lod)
    node = lod.node()
    assert isinstance(node, LODNode)
    node.add_switch(detail_m, 0.0)
    node.add_switch(FAR_M, detail_m)
    return lod


def cheapen_avatar(root: NodePath) -> None:
    """The low preset's avatar: no soft shadow (100 alpha-blended discs cost a software renderer
    more than the figures), and the name tag's card drawn opaque (no blending over the scene;
    the letters keep their smooth edges)."""
    for shadow in root.find_all_matches("**/shadow"):
        shadow.remove_node()
    for card in root.find_all_matches("**/tag-*-card"):
        card.set_transparency(TransparencyAttrib.M_none, 1)
