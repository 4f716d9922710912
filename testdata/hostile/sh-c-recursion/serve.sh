# the script runs itself through sh -c, forever
A='sh -c "$A"'
sh -c "$A"
