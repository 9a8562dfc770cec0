"""The Panda3D scene built from `world/` and `assets/`: the building, booths, props, signs,
avatars with their name tags, the camera, counter lights, shading and textures."""
