from verify import profiles

profiles.load()
