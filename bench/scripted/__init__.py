"""The client driven by a script, for screenshots, demos and tests: `makaverse shot`.

The shipped client (`makaverse client`) knows nothing of this package: a scripted run builds
the same `ClientApp` and adds drivers that press its buttons (a walk, chat lines, booth
actions) and a screenshot run that reports where things are in the picture.
"""
