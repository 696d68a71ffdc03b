"""Entry points: the stage protocol the workflow runs (:mod:`higgsdyn.cli.stages`) and the
``higgsdyn`` command (:mod:`higgsdyn.cli.main`)."""
