"""The portable package: one folder that trains anywhere (here, in a Space, as a Job)."""
