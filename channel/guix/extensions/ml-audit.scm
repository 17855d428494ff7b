;;; guixml --- companion channel for the guixml ML-weights audit
;;; Copyright © 2026 The guixml authors
;;;
;;; This file is free software; you can redistribute it and/or modify it
;;; under the terms of the GNU General Public License as published by the
;;; Free Software Foundation; either version 3 of the License, or (at your
;;; option) any later version.

(define-module (guix extensions ml-audit)
  #:use-module (guix discovery)
  #:use-module (guix lint)
  #:use-module (guix packages)
  #:use-module (guix scripts)
  #:use-module ((guix scripts build) #:select (%standard-build-options))
  #:use-module (guix scripts lint)
  #:use-module (guix ui)
  #:use-module (gnu packages)
  #:use-module (guixml lint)
  #:use-module (guixml ml)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-37)
  #:export (guix-ml-audit))

;;; Commentary:
;;;
;;; 'guix ml-audit': check the ML annotations of packages (see the guixml
;;; documentation, docs/annotations.md) and, with '--policy', report the
;;; packages whose closure an ML policy rejects.  Warnings are printed as
;;; 'guix lint' prints them: FILE:LINE:COLUMN: NAME@VERSION: MESSAGE.
;;;
;;; Code:

(define (show-help)
  (display (G_ "Usage: guix ml-audit [OPTION]... [PACKAGE]...
Check the ML-weights annotations of PACKAGEs, or of all the packages (of the
channel in DIR with '--directory').\n"))
  (display (G_ "
  -p, --policy=NAME      report the packages whose closure policy NAME rejects"))
  (display (G_ "
  -r, --review           with '--policy', also report packages to review"))
  (display (G_ "
  -c, --checkers=CHECKER1,CHECKER2...
                         only run the specified checkers ('-c help' lists them)"))
  (display (G_ "
  -d, --directory=DIR    check the packages of the channel modules under DIR"))
  (display (G_ "
  -a, --annotated        only check packages that have ML annotations"))
  (display (G_ "
  -L, --load-path=DIR    prepend DIR to the package module search path"))
  (display (G_ "
  -l, --list-policies    list the ML policies and exit"))
  (display (G_ "
  -h, --help             display this help and exit"))
  (newline))

(define %options
  (list (option '(#\p "policy") #t #f
                (lambda (opt name arg result)
                  (let ((policy (string->symbol arg)))
                    (unless (assq policy %ml-policies)
                      (leave (G_ "~a: unknown ML policy; try --list-policies~%")
                             arg))
                    (alist-cons 'policy policy result))))
        (option '(#\r "review") #f #f
                (lambda (opt name arg result)
                  (alist-cons 'review? #t result)))
        (option '(#\c "checkers") #t #f
                (lambda (opt name arg result)
                  (alist-cons 'checkers
                              (map string->symbol (string-split arg #\,))
                              result)))
        (option '(#\d "directory") #t #f
                (lambda (opt name arg result)
                  (unless (and (file-exists? arg) (file-is-directory? arg))
                    (leave (G_ "~a: no such directory~%") arg))
                  (alist-cons 'directory arg result)))
        (option '(#\a "annotated") #f #f
                (lambda (opt name arg result)
                  (alist-cons 'annotated? #t result)))
        (option '(#\l "list-policies") #f #f
                (lambda (opt name arg result)
                  (for-each (match-lambda
                              ((name . _) (format #t "~a~%" name)))
                            %ml-policies)
                  (exit 0)))
        (find (lambda (option)
                (member "load-path" (option-names option)))
              %standard-build-options)
        (option '(#\h "help") #f #f
                (lambda args
                  (show-help)
                  (exit 0)))))

(define (channel-packages directory)
  "Return the packages defined in the modules under DIRECTORY."
  (set! %load-path (cons directory %load-path))
  (fold-packages cons '()
                 (all-modules (list directory)
                              #:warn warn-about-load-error)))

(define (matching-packages specs packages directory)
  "Return the packages among PACKAGES (those of DIRECTORY) that SPECS, NAME or
NAME@VERSION strings, name; exit with an error for a spec naming none."
  (append-map
   (lambda (spec)
     (let* ((at (string-rindex spec #\@))
            (name (if at (substring spec 0 at) spec))
            (version (and at (substring spec (+ at 1))))
            (found (filter (lambda (package)
                             (and (string=? (package-name package) name)
                                  (or (not version)
                                      (string=? (package-version package) version))))
                           packages)))
       (when (null? found)
         (leave (G_ "~a: no such package in ~a~%") spec directory))
       found))
   specs))

(define (select-checkers checkers names)
  "Return the CHECKERS whose name is among NAMES (all when NAMES is #f); list
them and exit for the name 'help'; exit with an error for an unknown name."
  (cond ((not names) checkers)
        ((memq 'help names)
         (for-each (lambda (checker)
                     (format #t "- ~a: ~a~%" (lint-checker-name checker)
                             (G_ (lint-checker-description checker))))
                   checkers)
         (exit 0))
        (else
         (for-each (lambda (name)
                     (unless (find (lambda (checker)
                                     (eq? (lint-checker-name checker) name))
                                   checkers)
                       (leave (G_ "~a: invalid checker; try '-c help'~%") name)))
                   names)
         (filter (lambda (checker) (memq (lint-checker-name checker) names))
                 checkers))))

(define-command (guix-ml-audit . args)
  (category extension)
  (synopsis "check ML-weights annotations and policies of packages")

  (define (parse-options)
    (parse-command-line args %options '(())
                        #:build-options? #f))

  (with-error-handling
    (let* ((opts (parse-options))
           (policy (assoc-ref opts 'policy))
           (specs (filter-map (match-lambda
                                (('argument . spec) spec)
                                (_ #f))
                              (reverse opts)))
           (directory (assoc-ref opts 'directory))
           (packages (cond (directory
                            (let ((all (channel-packages directory)))
                              (if (pair? specs)
                                  (matching-packages specs all directory)
                                  all)))
                           ((pair? specs)
                            (map specification->package specs))
                           (else
                            (fold-packages cons '()))))
           (selected (if (assoc-ref opts 'annotated?)
                         (filter ml-annotated? packages)
                         packages))
           (checkers (select-checkers
                      (append %ml-checkers
                              (if policy
                                  (list (ml-policy-checker
                                         policy
                                         #:closure? #t
                                         #:review? (assoc-ref opts 'review?)))
                                  '()))
                      (assoc-ref opts 'checkers))))
      (for-each (lambda (package)
                  (run-checkers package checkers))
                (sort selected package-location<?)))))

;;; ml-audit.scm ends here
